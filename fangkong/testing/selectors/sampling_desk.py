"""Reads for the sampler's pages: the round's sampling points the user may work at, their tubes,
a tube's members, and the household members still to sample.

A sampler sees the tubes of the sampling points they see (`SamplingPoint.objects.visible_to`:
their district, street or community, and for a grid worker the community holding their grid). A
tube at any other point answers 404, like a missing one. The members of a tube the sampler sees are
shown by name and masked ID only (the people who stood in front of them); the household members
offered for sampling are only those of the user's own jurisdiction (`Person.objects.visible_to`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, F, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from fangkong.audit.models import AuditEvent
from fangkong.geo.lookup import id_keys
from fangkong.geo.models import Grid, Person

from .. import events, selectors
from ..choices import PoolingMode, TubeStatus
from ..models import SamplingPoint, TestingRound, Tube, TubeMember
from ..pooling import AreaIndex, allowed_modes


def round_points(*, user: Any, testing_round: TestingRound) -> QuerySet[SamplingPoint]:
    """The active sampling points the round offers (its places' and their parents', pooling.AreaIndex)
    that the user may sample at."""
    points = selectors.sampling_point_list(user=user).filter(is_active=True)
    return points.filter(AreaIndex(testing_round).point_q()).order_by("community__name", "name")


def point_get(*, user: Any, testing_round: TestingRound, pk: int | str) -> SamplingPoint:
    return get_object_or_404(round_points(user=user, testing_round=testing_round), pk=pk)


@dataclass(frozen=True)
class PointPooling:
    """The pooling the round's area sets at a point (the default) and the stricter ones allowed."""

    default: str
    default_label: str
    place_name: str
    rule: str
    allowed: list[tuple[str, str]]


def point_pooling(*, testing_round: TestingRound, point: SamplingPoint) -> PointPooling | None:
    area = AreaIndex(testing_round).area_for(
        district_id=point.district_id, street_id=point.street_id, community_id=point.community_id, grid_id=point.grid_id
    )
    if area is None:
        return None
    allowed = [(m, PoolingMode(m).label) for m in allowed_modes(area.pooling_mode)]
    return PointPooling(area.pooling_mode, PoolingMode(area.pooling_mode).label, area.place_name, area.pooling_rule, allowed)


def sampler_tubes(*, user: Any, testing_round: TestingRound) -> QuerySet[Tube]:
    """The round's tubes at the sampling points the user sees."""
    points = SamplingPoint.objects.visible_to(user).values("pk")
    return Tube.objects.filter(round=testing_round, sampling_point_id__in=points).select_related("sampling_point", "laboratory")


def sampler_tube_get(*, user: Any, testing_round: TestingRound, barcode: str) -> Tube:
    return get_object_or_404(sampler_tubes(user=user, testing_round=testing_round), barcode=barcode)


def open_tube_at(*, user: Any, testing_round: TestingRound, point: SamplingPoint, barcode: str) -> Tube | None:
    """The open tube with this barcode at this point (a sampler scanning it again carries on filling it)."""
    return (
        sampler_tubes(user=user, testing_round=testing_round)
        .filter(sampling_point=point, barcode=(barcode or "").strip(), status=TubeStatus.OPEN, is_resample=False)
        .first()
    )


def my_open_tubes(*, user: Any, testing_round: TestingRound, point: SamplingPoint, limit: int = 20) -> list[Tube]:
    """The open tubes at the point that this user opened, newest first (from the audit trail)."""
    opened = (
        AuditEvent.objects.filter(actor=user, event_type=events.TUBE_OPENED, object_type=Tube._meta.label_lower)
        .order_by("-at", "-id")
        .values_list("object_id", flat=True)[:200]
    )
    ids = [int(pk) for pk in opened if str(pk).isdigit()]
    tubes = sampler_tubes(user=user, testing_round=testing_round).filter(
        pk__in=ids, sampling_point=point, status=TubeStatus.OPEN, is_resample=False
    )
    return list(tubes.order_by("-opened_at", "-id")[:limit])


def open_tube_count(*, user: Any, testing_round: TestingRound, point: SamplingPoint) -> int:
    return sampler_tubes(user=user, testing_round=testing_round).filter(sampling_point=point, status=TubeStatus.OPEN).count()


@dataclass(frozen=True)
class MemberRow:
    person_id: int
    name: str
    id_masked: str
    sampled_at: dt.datetime


def tube_member_rows(*, tube: Tube) -> list[MemberRow]:
    """A tube's members in the order they were sampled (name and masked ID only)."""
    rows = TubeMember.objects.filter(tube=tube).order_by("id").values_list("person_id", "person__name", "person__id_masked", "sampled_at")
    return [MemberRow(*r) for r in rows]


def member_by_id_number(*, tube: Tube, id_number: str) -> int | None:
    """The person id of the tube's member with this ID number (the one just added), if any."""
    if not (id_number or "").strip():
        return None
    return TubeMember.objects.filter(tube=tube, person__id_hash__in=id_keys(id_number)).values_list("person_id", flat=True).first()


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    id_masked: str
    checked: bool


@dataclass
class HouseholdOffer:
    """The other members of a just-sampled person's household, not yet sampled in the round."""

    anchor_id: int
    anchor_name: str
    free: int  # places left in the tube
    candidates: list[Candidate] = field(default_factory=list)


def household_offer(*, user: Any, tube: Tube, anchor_id: int | str | None, selected: list[int] | None = None) -> HouseholdOffer | None:
    """For the tube member `anchor_id`: their household's members the user covers and the round has
    not sampled yet. The first ones that fit in the tube are ticked (or those `selected`)."""
    if tube.status != TubeStatus.OPEN or not str(anchor_id or "").isdigit():
        return None
    anchor = TubeMember.objects.filter(tube=tube, person_id=int(anchor_id)).values("person_id", "person__name", "household_id").first()
    if anchor is None or anchor["household_id"] is None:
        return None
    sampled = TubeMember.objects.filter(round_id=tube.round_id, person_id=OuterRef("pk"), is_resample=False)
    people = (
        Person.objects.visible_to(user)
        .filter(household_id=anchor["household_id"])
        .exclude(pk=anchor["person_id"])
        .exclude(Exists(sampled))
        .order_by(F("birth_year").asc(nulls_last=True), "pk")  # eldest first by year; never by the date (decision 0005)
        .values_list("pk", "name", "id_masked")
    )
    free = max(tube.capacity - tube.member_count, 0)
    candidates = []
    for i, (pk, name, masked) in enumerate(people):
        checked = pk in selected if selected is not None else i < free
        candidates.append(Candidate(pk, name, masked, checked))
    if not candidates:
        return None
    return HouseholdOffer(anchor["person_id"], anchor["person__name"], free, candidates)


def on_spot_grids(*, user: Any, testing_round: TestingRound) -> QuerySet[Grid]:
    """The grids a sampler may register a new resident in on the spot (现场登记): those of the round's
    scope that the sampler covers. The service checks the same."""
    scope = selectors.round_person_scope(testing_round, own_level="grid")
    return Grid.objects.covered_by(user).filter(scope).select_related("community").order_by("community__name", "name")


def people_to_add(*, user: Any, person_ids: list[int]) -> tuple[list[Person], list[int]]:
    """The people picked on the page, as the user may see them; and the ids they may not (refused)."""
    found = {p.pk: p for p in Person.objects.visible_to(user).filter(pk__in=person_ids)}
    return [found[pk] for pk in person_ids if pk in found], [pk for pk in person_ids if pk not in found]
