"""Page pagination shared by every list page."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

DEFAULT_PER_PAGE = 25


def paginate(request: HttpRequest, queryset, per_page: int = DEFAULT_PER_PAGE) -> Page:
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page"))
