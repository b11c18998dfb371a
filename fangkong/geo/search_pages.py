"""The POST-then-?s= search page that the person search, the case list and the 流调 case list share:
the form posts; a search by full number (or hidden ID digits) is counted and audited first
(services.number_search_check) and past the limit the page answers with the refusal; the criteria
are kept in the session and the results shown at ?s=<token> (fangkong.core.searches), so no name
or number is ever in a URL or an access log."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fangkong.core import searches

from .services import SearchLimited, number_search_check


def counted_search(request: HttpRequest, *, where: str, render: Callable[..., HttpResponse]) -> HttpResponse:
    """`render(found, refused="", status=200)` draws the page for the criteria found."""
    if request.method == "POST":
        data = request.POST.copy()
        try:
            number_search_check(actor=request.user, term=data.get("q", ""), where=where)
        except SearchLimited as exc:
            return render(searches.Criteria(data), refused=exc.message, status=searches.refused_status(request))
        return searches.after_post(request, data, lambda found: render(found))
    return render(searches.criteria(request))
