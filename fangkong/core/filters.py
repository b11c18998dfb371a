"""Filter plumbing shared by the FilterSets of every app (one FilterSet serves the page and the API)."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

BIGGEST_ID = 2**63 - 1  # the id columns are 64-bit (BigAutoField)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGGEST_ID})
class IdFilter(django_filters.NumberFilter):
    """A filter by a row's id (`community=12`): a whole number from 1 that fits an id column.
    Anything else is an invalid filter (the API answers 400; a page ignores it) and never reaches the
    database — a decimal filter passed `2.9e+42` on, and SQLite answered OverflowError (a 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGGEST_ID)
        super().__init__(*args, **kwargs)
