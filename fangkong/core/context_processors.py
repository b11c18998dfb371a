"""Template context every page needs: the navigation allowed to this user (each module's entries,
fangkong.core.modules), the home page first, then the entries of the role's daily work; entries for
an audience the user is not in (a laboratory: no isolation, no registry of places) are left out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from .landing import has_places
from .modules import registry
from .permissions import capabilities_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    caps = capabilities_of(user)
    role = getattr(user, "role", "")
    places = has_places(user)
    entries = [e for e in registry.nav() if e.shown_to(caps, has_places=places)]
    entries.sort(key=lambda e: (role not in e.first_for, e.order))
    items = [{"url": reverse(e.url_name), "label": e.label, "icon": e.icon, "active": False} for e in entries]
    # Only the item with the longest URL that prefixes the current path is highlighted.
    matches = [i for i in items if (request.path == "/" if i["url"] == "/" else request.path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav_items": items, "user_caps": caps, "user_has_places": places}
