"""{% notification_bell %}: the bell in the top bar with the user's unread count (one indexed count)."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import BELL_CAP, unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": unread_count(user, cap=BELL_CAP) if user is not None else 0}
