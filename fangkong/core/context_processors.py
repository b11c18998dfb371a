"""Template context every page needs: the navigation allowed to this user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.roles import capabilities_of

NAV: list[tuple[str, Any, str, str | None]] = [
    # (url name, label, icon, capability needed or None)
    ("reports:home", _("总览"), "speedometer2", None),
    ("geo:browse", _("区域与人口"), "diagram-3", None),
    ("geo:person_search", _("人员查询"), "search", None),
    ("testing:round_list", _("核酸检测"), "eyedropper", None),
    ("cases:board", _("阳性转运"), "truck", None),
    ("isolation:site_list", _("集中隔离"), "building", None),
    ("isolation:tracing_home", _("流调"), "diagram-2", None),
    ("imports:job_list", _("批量导入"), "upload", "geo.import"),
    ("audit:event_list", _("审计日志"), "journal-text", "audit.view"),
    ("policy:profile_list", _("防控政策"), "book", None),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    caps = capabilities_of(user)
    items = []
    for name, label, icon, cap in NAV:
        if cap is None or cap in caps:
            items.append({"url": reverse(name), "label": label, "icon": icon, "active": False})
    # Only the item with the longest URL that prefixes the current path is highlighted.
    matches = [i for i in items if (request.path == "/" if i["url"] == "/" else request.path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav_items": items, "user_caps": caps}
