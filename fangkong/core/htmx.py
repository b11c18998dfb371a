"""htmx helpers: render the fragment for htmx requests, the page otherwise."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(request: HttpRequest, template: str, context: dict[str, Any], *, partial: str | None = None) -> HttpResponse:
    """`partial` names a template partial ("template.html#name") returned when htmx asks."""
    if partial and getattr(request, "htmx", False) and not request.htmx.boosted:
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)
