"""{% cited text %}: a stored policy citation as its readable line with the rule's code and source
folded in 依据 (fangkong.policy.display.citation)."""

from __future__ import annotations

from typing import Any

from django import template

from fangkong.policy.display import citation

register = template.Library()


@register.inclusion_tag("components/_cited.html")
def cited(text: str | None, empty: str = "—") -> dict[str, Any]:
    return {"cited": citation(text or ""), "empty": empty}
