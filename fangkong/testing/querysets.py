"""Reusable filters for the 快检 models. Every queryset a user touches goes through .visible_to(user)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from fangkong.core.scoping import ScopedQuerySet, jurisdiction_of, scope_q


class TestingQuerySet(ScopedQuerySet):
    def in_round(self, round_id: int) -> TestingQuerySet:
        return self.filter(round_id=round_id)


class LaboratoryQuerySet(ScopedQuerySet):
    pass


class SamplingPointQuerySet(ScopedQuerySet):
    """A grid worker also sees (and samples at) the points of the community that holds their grid,
    and the tubes opened there (TubeQuerySet)."""

    def visible_to(self, user: Any) -> SamplingPointQuerySet:
        j = jurisdiction_of(user)
        q = scope_q(self.model, j)
        if q is None:
            return self
        reach = j.reach.get("community")
        if j.covered.get("grid") and reach:
            q |= Q(community_id__in=sorted(reach))
        return self.filter(q)


class TubeQuerySet(SamplingPointQuerySet, TestingQuerySet):
    """Tubes: by the sampling point's district, street, community (a grid worker: their grid's
    community, where they sample) or by the receiving laboratory."""


class RoundQuerySet(ScopedQuerySet):
    """A round is a city-wide plan, not personal data: anyone with a jurisdiction may see it."""

    def visible_to(self, user: Any) -> RoundQuerySet:
        return self.none() if jurisdiction_of(user).is_empty else self

    def covered_by(self, user: Any) -> RoundQuerySet:
        return self.visible_to(user)


def overdue_q(now: dt.datetime) -> Q:
    """Tubes past their result deadline without a result."""
    return Q(deadline_at__lt=now, resulted_at__isnull=True)
