"""Template helpers for the round and coverage pages."""

from __future__ import annotations

import math

from django import template

register = template.Library()


@register.filter
def rate_pct(value: float | None) -> float:
    """A share (0–1) as a percentage rounded down to one decimal: 99.96 % shows 99.9, never 100.0."""
    if not value:
        return 0.0
    return math.floor(value * 1000) / 10


@register.filter
def rate_width(value: float | None) -> str:
    """A share (0–1) as a CSS width percentage with a dot decimal separator whatever the language."""
    return f"{min(max(value or 0.0, 0.0), 1.0) * 100:.1f}"
