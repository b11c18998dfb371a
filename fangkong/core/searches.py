"""Searches whose terms are personal data (a name, a phone, a full ID number) never put them in a URL.

A URL is written to access logs (runserver, gunicorn, the city's gateway), browser history and
Referer headers. So a search form posts its criteria; the view keeps them in the session under a
random token and answers with the results page at `?s=<token>` (a redirect, or for htmx the
fragment with HX-Push-Url). Paging adds `&page=N` to that URL; the back button and a reload show the
same results; nothing personal is in any of them. A token is only good in the session that made it
(another user's token finds nothing) and the session keeps the last KEEP searches.

A GET that still carries a personal field (an old bookmark, a script) is not searched by it: the
field is dropped and the page says why (`personal_dropped`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict

SESSION_KEY = "fk_searches"
TOKEN_PARAM = "s"
KEEP = 20
# format and print say how to show the results (fangkong.core.exports), not what to search for
NOT_CRITERIA = frozenset({"csrfmiddlewaretoken", "page", TOKEN_PARAM, "format", "print"})


def stash(request: HttpRequest, data: QueryDict) -> str:
    """Keep the criteria in the session; return their token."""
    token = secrets.token_urlsafe(9)
    kept: dict[str, dict[str, list[str]]] = dict(request.session.get(SESSION_KEY, {}))
    kept[token] = {k: v for k, v in data.lists() if k not in NOT_CRITERIA}
    while len(kept) > KEEP:
        kept.pop(next(iter(kept)))
    request.session[SESSION_KEY] = kept
    return token


def recall(request: HttpRequest, token: str | None) -> QueryDict | None:
    stored = request.session.get(SESSION_KEY, {}).get(token or "")
    if stored is None:
        return None
    data = QueryDict(mutable=True)
    for key, values in stored.items():
        data.setlist(key, values)
    return data


@dataclass
class Criteria:
    data: QueryDict  # what to search by (no page number)
    token: str = ""  # the stored search this GET shows, if any
    expired: bool = False  # ?s= named a search this session does not have (any more)
    personal_dropped: bool = False  # a GET carried a personal field in its URL; it was ignored
    dropped: tuple[str, ...] = ()  # the personal fields links must not repeat

    @property
    def bound(self) -> bool:
        return bool(self.data)


def criteria(request: HttpRequest, *, personal: Iterable[str] = ("q",)) -> Criteria:
    """A GET's criteria: the stored search of `?s=`, else the URL's own fields minus the personal ones."""
    token = request.GET.get(TOKEN_PARAM, "")
    if token:
        stored = recall(request, token)
        if stored is not None:
            return Criteria(stored, token=token)
    data = request.GET.copy()
    dropped = False
    for key in (*personal, *NOT_CRITERIA):
        if key in data:
            dropped = dropped or (key in personal and any(v.strip() for v in data.getlist(key)))
            del data[key]
    return Criteria(data, expired=bool(token), personal_dropped=dropped, dropped=tuple(personal))


def refused_status(request: HttpRequest) -> int:
    """The status of a page that refuses a search (a rate limit): 429, except for htmx, which does not
    swap a 4xx answer in — its fragment carries the refusal with 200."""
    return 200 if getattr(request, "htmx", False) else 429


def results_url(request: HttpRequest, token: str) -> str:
    return f"{request.path}?{TOKEN_PARAM}={token}"


def after_post(request: HttpRequest, data: QueryDict, render: Callable[[Criteria], HttpResponse]) -> HttpResponse:
    """Store the posted criteria; a page POST is redirected to their URL (303), an htmx POST gets
    the results fragment at once with that URL pushed into the history."""
    token = stash(request, data)
    url = results_url(request, token)
    if getattr(request, "htmx", False):
        response = render(Criteria(recall(request, token) or QueryDict(), token=token))
        response["HX-Push-Url"] = url
        return response
    return _see_other(url)


def _see_other(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # See Other: the browser GETs the results (a reload does not re-post)
    return response
