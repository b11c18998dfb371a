"""Page pagination shared by every list page."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

DEFAULT_PER_PAGE = 25


class _CountedPaginator(Paginator):
    """A paginator told its count (a figure the database keeps), so a long list is not counted again."""

    def __init__(self, object_list, per_page: int, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def paginate(request: HttpRequest, queryset, per_page: int = DEFAULT_PER_PAGE, *, count: int | None = None) -> Page:
    paginator = Paginator(queryset, per_page) if count is None else _CountedPaginator(queryset, per_page, count)
    return paginator.get_page(request.GET.get("page"))
