"""Template helpers used across pages."""

from __future__ import annotations

from django import template
from django.http import QueryDict

from fangkong.core.searches import TOKEN_PARAM

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **kwargs) -> str:
    """The current query string with some parameters replaced (for pagination and sort links).

    On a search page (context["search"], fangkong.core.searches) the links carry the search's token
    and never a personal field that came in the URL."""
    request = context["request"]
    params: QueryDict = request.GET.copy()
    search = context.get("search")
    if search is not None:
        for key in search.dropped:
            params.pop(key, None)
        if search.token:
            params[TOKEN_PARAM] = search.token
    for key, value in kwargs.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
