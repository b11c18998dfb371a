"""Web sessions: how long one lives, and ending every session of one account.

A session lasts SESSION_COOKIE_AGE (12 hours) from signing in, whatever is done with it. Django's
own expiry slides: every write to the session (a search stashes its criteria there, a hand-over
link, a message) pushes it to now + SESSION_COOKIE_AGE, so a lost laptop that searches every few
hours would stay signed in for ever. `fix_expiry_at_sign_in` (a receiver of `user_logged_in`, sent
by every sign-in: the login page, its second step, `Client.force_login` …) stores an absolute
expiry in the session instead (`set_expiry(<datetime>)`), which later writes keep.

`SessionExpiryMiddleware` is the backstop for a signed-in session without a fixed expiry (signed in
before this rule existed): its first request fixes it at now + SESSION_COOKIE_AGE.

`end_sessions_of` deletes the sessions of one account (deactivating it: a session merely refused
while the account is inactive would be valid again once it is reactivated).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, user_logged_in
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

# Where Django keeps an expiry set with set_expiry() (absent: the sliding SESSION_COOKIE_AGE).
_EXPIRY_KEY = "_session_expiry"


def _fix_expiry(session: Any) -> None:
    session.set_expiry(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))


def fix_expiry_at_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        _fix_expiry(session)


def watch_sign_ins() -> None:
    user_logged_in.connect(fix_expiry_at_sign_in, dispatch_uid="fangkong.accounts.sessions.fix_expiry")


class SessionExpiryMiddleware:
    """A signed-in session with no fixed expiry gets one at its next request (only requests that
    carry a session cookie are looked at: an anonymous page's session is not touched)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None) if settings.SESSION_COOKIE_NAME in request.COOKIES else None
        if session is not None and session.get(SESSION_KEY) is not None and not session.get(_EXPIRY_KEY):
            _fix_expiry(session)
        return self.get_response(request)


def end_sessions_of(user: Any) -> int:
    """Delete every live session signed in as `user`; returns how many.

    The session store (the database, `django_session`) keeps the user id inside the signed session
    data, so each live session is decoded: at most the sessions signed in within the last 12 hours,
    and only when an administrator deactivates or reactivates an account."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    uid = user._meta.pk.value_to_string(user)
    live = store.get_model_class().objects.filter(expire_date__gt=timezone.now())
    ended = 0
    for key, data in live.values_list("session_key", "session_data").iterator():
        if store().decode(data).get(SESSION_KEY) == uid:
            store(session_key=key).delete()
            ended += 1
    return ended
