"""Reads of the 4+N duty rosters (小区"4+N"管控机制, 24 小时值班值守): the compounds that need one
(a high-risk area in force over the compound, one of its buildings or units, or a wider place holding
it), who is on duty now, and the gaps in the next 24 hours — every moment each of the four required
roles (volunteer, 包联干部, security guard, police officer or militia) must be covered by a shift; a
moment without one is a gap, named with its role and its Beijing time span ("夜班 … 无政法干警或民兵")
(fangkong.core.coverage, shared with the checkpoints' shifts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from fangkong.core.clock import CLOCK_SKEW, now
from fangkong.core.coverage import Gap
from fangkong.core.coverage import coverage_gaps as shared_gaps
from fangkong.geo.models import Building, Compound, Unit

from .choices import REQUIRED_DUTY_ROLES, AreaClass, CadreRank, DutyRole, PlaceLevel
from .models import DutyPost, DutyShift, RiskArea, RiskAreaPlace
from .selectors import in_force_at

COVERAGE_WINDOW = dt.timedelta(hours=24)


def coverage_gaps(shifts: Iterable[tuple[str, dt.datetime, dt.datetime]], *, start: dt.datetime, end: dt.datetime) -> list[Gap]:
    """The 4+N roles' gaps (fangkong.core.coverage): the four required roles, in role order."""
    return shared_gaps(shifts, start=start, end=end, required=REQUIRED_DUTY_ROLES, labels=dict(DutyRole.choices))


def compound_gaps(compound_ids: Iterable[int], *, at: dt.datetime | None = None) -> dict[int, list[Gap]]:
    """Each compound's gaps over the next 24 hours (one query for all of them)."""
    start = at or now()
    end = start + COVERAGE_WINDOW
    ids = list(compound_ids)
    rows: dict[int, list[tuple[str, dt.datetime, dt.datetime]]] = {pk: [] for pk in ids}
    shifts = DutyShift.objects.filter(compound_id__in=ids, ends_at__gt=start, starts_at__lt=end, role__in=REQUIRED_DUTY_ROLES)
    for compound_id, role, a, b in shifts.values_list("compound_id", "role", "starts_at", "ends_at"):
        rows[compound_id].append((role, a, b))
    return {pk: coverage_gaps(found, start=start, end=end) for pk, found in rows.items()}


def on_duty(compound: Compound, *, at: dt.datetime | None = None) -> list[DutyShift]:
    """The shifts under way at the compound now, the four required roles first."""
    at = at or now()
    shifts = DutyShift.objects.filter(compound=compound, starts_at__lte=at, ends_at__gt=at).select_related("post")
    order = {role: i for i, role in enumerate(DutyRole.values)}
    return sorted(shifts, key=lambda s: (order.get(s.role, 9), s.post.name))


def roster(compound: Compound, *, at: dt.datetime | None = None, days: int = 2) -> list[DutyPost]:
    """The compound's posts, each with its shifts from a day ago to `days` days ahead (`.upcoming`)."""
    at = at or now()
    shifts = DutyShift.objects.filter(ends_at__gt=at - dt.timedelta(days=1), starts_at__lt=at + dt.timedelta(days=days)).order_by(
        "starts_at"
    )
    order = {role: i for i, role in enumerate(DutyRole.values)}
    posts = (
        DutyPost.objects.filter(compound=compound, removed_at__isnull=True)
        .select_related("area", "user")
        .prefetch_related(Prefetch("shifts", shifts, to_attr="upcoming"))
    )
    return sorted(posts, key=lambda p: (order.get(p.role, 9), p.pk))


def shift_get(*, user: Any, pk: int) -> DutyShift:
    """A shift of a compound inside the user's grants (404 otherwise)."""
    return get_object_or_404(
        DutyShift.objects.select_related("post", "compound").filter(compound__in=Compound.objects.covered_by(user)), pk=pk
    )


def post_get(*, user: Any, pk: int) -> DutyPost:
    """A post still on the roster of a compound inside the user's grants (404 otherwise)."""
    return get_object_or_404(
        DutyPost.objects.select_related("compound").filter(compound__in=Compound.objects.covered_by(user), removed_at__isnull=True), pk=pk
    )


def compound_get(*, user: Any, pk: int) -> Compound:
    """A compound inside the user's grants (404 otherwise, as if it did not exist)."""
    return get_object_or_404(Compound.objects.covered_by(user).select_related("community", "street", "district"), pk=pk)


def _holding(compound: Compound) -> Q:
    """Area places that hold the compound: itself, one of its buildings or units, or a wider place."""
    return (
        Q(level=PlaceLevel.COMPOUND, place_id=compound.pk)
        | Q(level=PlaceLevel.BUILDING, place_id__in=Building.objects.filter(compound=compound).values("pk"))
        | Q(level=PlaceLevel.UNIT, place_id__in=Unit.objects.filter(compound=compound).values("pk"))
        | Q(level=PlaceLevel.COMMUNITY, place_id=compound.community_id)
        | Q(level=PlaceLevel.STREET, place_id=compound.street_id)
        | Q(level=PlaceLevel.DISTRICT, place_id=compound.district_id)
    )


def compound_areas(compound: Compound, *, at: dt.datetime | None = None) -> QuerySet[RiskArea]:
    """The risk areas in force holding (part of) the compound: what a cadre may be assigned to."""
    ids = RiskAreaPlace.objects.filter(_holding(compound)).values("area_id")
    return RiskArea.objects.filter(in_force_at(at or now()), pk__in=ids).order_by("area_class", "-in_force_at")


def _sealed(at: dt.datetime) -> Q:
    """Compounds with a high-risk (sealed) area in force over any part of them at `at` (set-based:
    subqueries over the areas' places, read by the database with the compounds)."""
    places = _sealed_places(at)

    def at_level(level: str) -> QuerySet:
        return places.filter(level=level).values("place_id")

    return (
        Q(pk__in=at_level(PlaceLevel.COMPOUND))
        | Q(pk__in=Building.objects.filter(pk__in=at_level(PlaceLevel.BUILDING)).values("compound_id"))
        | Q(pk__in=Unit.objects.filter(pk__in=at_level(PlaceLevel.UNIT)).values("compound_id"))
        | Q(community_id__in=at_level(PlaceLevel.COMMUNITY))
        | Q(street_id__in=at_level(PlaceLevel.STREET))
        | Q(district_id__in=at_level(PlaceLevel.DISTRICT))
    )


def _sealed_places(at: dt.datetime) -> QuerySet[RiskAreaPlace]:
    return RiskAreaPlace.objects.filter(area__in=RiskArea.objects.filter(in_force_at(at), area_class=AreaClass.SEALED))


# Up to this many places of sealed areas in force, duty_board reads them first and asks for the
# compounds by id (a plain query: the subqueries of `_sealed`, built twice, cost the ORM ~10 ms per
# home page); past it (an outbreak's thousands of sealed buildings) `_sealed`'s subqueries.
SEALED_PLACES_READ = 500


@dataclass(frozen=True)
class SealedPlaces:
    """The places under sealed areas in force, read once: compounds (held whole or through one of
    their buildings or units) and wider places, by level."""

    compounds: frozenset[int]
    communities: frozenset[int]
    streets: frozenset[int]
    districts: frozenset[int]

    def q(self) -> Q:
        q = Q(pk__in=[])
        for path, ids in (
            ("pk", self.compounds),
            ("community_id", self.communities),
            ("street_id", self.streets),
            ("district_id", self.districts),
        ):
            if ids:
                q |= Q(**{f"{path}__in": sorted(ids)})
        return q

    def holds(self, c: Compound) -> bool:
        return (
            c.pk in self.compounds or c.community_id in self.communities or c.street_id in self.streets or c.district_id in self.districts
        )


def _sealed_read(at: dt.datetime) -> SealedPlaces | None:
    """The sealed places as ids, or None when there are more than SEALED_PLACES_READ."""
    found = list(_sealed_places(at).values_list("level", "place_id")[: SEALED_PLACES_READ + 1])
    if len(found) > SEALED_PLACES_READ:
        return None
    by_level: dict[str, set[int]] = {}
    for level, pk in found:
        by_level.setdefault(level, set()).add(pk)
    compounds = set(by_level.get(PlaceLevel.COMPOUND, ()))
    for model, level in ((Building, PlaceLevel.BUILDING), (Unit, PlaceLevel.UNIT)):
        if by_level.get(level):
            compounds |= set(model.objects.filter(pk__in=sorted(by_level[level])).values_list("compound_id", flat=True))
    return SealedPlaces(
        frozenset(compounds),
        frozenset(by_level.get(PlaceLevel.COMMUNITY, ())),
        frozenset(by_level.get(PlaceLevel.STREET, ())),
        frozenset(by_level.get(PlaceLevel.DISTRICT, ())),
    )


@dataclass(frozen=True)
class DutyRow:
    compound: Compound
    sealed: bool
    on_duty: int
    gaps: list[Gap]
    cadres: list[DutyPost]  # 处级干部 assigned here


def duty_board(*, user: Any, at: dt.datetime | None = None, limit: int = 500) -> list[DutyRow]:
    """One line per compound needing a roster: sealed or not, how many are on duty now, the gaps of
    the next 24 hours and the 处级干部 assigned (a few queries for the whole list)."""
    at = at or now()
    posted = Q(pk__in=DutyPost.objects.filter(removed_at__isnull=True).values("compound_id"))
    covered = Compound.objects.covered_by(user).select_related("community", "street").order_by("district_id", "street_id", "name")
    read = _sealed_read(at)
    if read is not None:  # the areas' places read once: which compounds need a roster, and which are sealed
        compounds = list(covered.filter(read.q() | posted)[:limit])
        sealed_ids = {c.pk for c in compounds if read.holds(c)}
    else:
        sealed = _sealed(at)
        compounds = list(covered.filter(sealed | posted).annotate(is_sealed=ExpressionWrapper(sealed, output_field=BooleanField()))[:limit])
        sealed_ids = {c.pk for c in compounds if c.is_sealed}
    ids = [c.pk for c in compounds]
    gaps = compound_gaps(ids, at=at)
    counts: dict[int, int] = {}
    for compound_id in DutyShift.objects.filter(compound_id__in=ids, starts_at__lte=at, ends_at__gt=at).values_list(
        "compound_id", flat=True
    ):
        counts[compound_id] = counts.get(compound_id, 0) + 1
    cadres: dict[int, list[DutyPost]] = {}
    for post in DutyPost.objects.filter(compound_id__in=ids, role=DutyRole.CADRE, rank=CadreRank.DIVISION, removed_at__isnull=True):
        cadres.setdefault(post.compound_id, []).append(post)
    return [DutyRow(c, c.pk in sealed_ids, counts.get(c.pk, 0), gaps[c.pk], cadres.get(c.pk, [])) for c in compounds]


def shifts_of(user: Any, *, at: dt.datetime | None = None) -> list[DutyShift]:
    """The signed-in person's own shifts: the one under way and those of the next 24 hours."""
    at = at or now()
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        DutyShift.objects.filter(post__user=user, ends_at__gt=at, starts_at__lt=at + COVERAGE_WINDOW)
        .select_related("post", "compound")
        .order_by("starts_at")
    )


def check_in_open(shift: DutyShift, *, at: dt.datetime | None = None) -> bool:
    """A shift may be checked in from a few minutes before it starts (a phone's clock a little
    ahead) until it ends."""
    at = at or now()
    return shift.starts_at - CLOCK_SKEW <= at < shift.ends_at
