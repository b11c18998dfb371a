"""The transfer board and bed occupancy. Triage suggestions are computed live from the facilities'
beds, so they never go stale, and spread: two cases waiting for a Fangcang bed are not both offered
the last one."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.geo.birth import SEALED_BIRTH_FIELDS, age_on, birth_date_from, local_day, person_age_at
from fangkong.geo.models import Person

from ..choices import BedType, FacilityKind, TransferStatus
from ..models import Case, FacilityBeds, Transfer, TreatmentFacility
from ..services.facilities import en_route_counts, facility_options
from ..services.policy import triage_policy
from ..services.triage import FacilityOption, TriageSuggestion, triage_decide, triage_suggest


@dataclass
class BoardItem:
    transfer: Transfer
    case: Case
    deadline_at: dt.datetime
    overdue: bool
    remaining: dt.timedelta  # negative when overdue
    refusals: int
    suggestion: TriageSuggestion | None  # for transfers still awaiting a vehicle

    @property
    def person(self) -> Person:
        return self.case.person


def _board_queryset(*, user: Any, now: dt.datetime, filters: dict[str, Any]) -> QuerySet[Transfer]:
    qs = Transfer.objects.visible_to(user).in_flight().order_by("deadline_at", "queued_at", "id")
    for key in ("status", "district_id", "community_id", "triage_kind"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("overdue"):
        qs = qs.filter(deadline_at__lt=now)
    return qs


def transfer_board_count(*, user: Any, now: dt.datetime | None = None, filters: dict[str, Any] | None = None) -> int:
    """How many transfers `transfer_board` lists with these filters (for paging)."""
    return _board_queryset(user=user, now=now or timezone.now(), filters=filters or {}).count()


def transfer_board(
    *,
    user: Any,
    now: dt.datetime | None = None,
    filters: dict[str, Any] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[BoardItem]:
    """Positives awaiting transfer or on their way: overdue first (the deadline is data, stored on
    each transfer from policy transfer.deadline), then by deadline. Each awaiting one carries the
    suggested facility (rule + free beds net of patients en route + district). Same deadline (all of
    a day's positives are due at midnight): the longest waiting first.

    `offset` / `limit` give one page of the board: the suggestions on it are the ones the whole
    board would show (the beds suggested to the awaiting transfers before the page are spent first)."""
    now = now or timezone.now()
    qs = _board_queryset(user=user, now=now, filters=filters or {})
    page = qs[offset : offset + limit] if limit is not None else qs[offset:]
    # The page's ids first (a narrow sort), then its rows with what they show (a wide sort is slow).
    ids = list(page.values_list("id", flat=True))
    related = ("case", "case__person", "assigned_facility", "from_facility", "suggested_facility", "deadline_citation", "triage_citation")
    by_id = Transfer.objects.filter(pk__in=ids).select_related(*related).in_bulk()
    transfers = [by_id[pk] for pk in ids]
    if not transfers:
        return []
    refusals = Counter(
        dict(
            Transfer.objects.filter(case_id__in={t.case_id for t in transfers}, status=TransferStatus.REFUSED)
            .values_list("case_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    policy = triage_policy()
    # The facilities' beds by the kind and bed type triage asks for; a suggestion spends one bed.
    groups: dict[tuple[str, str], list[FacilityOption]] = defaultdict(list)
    for o in facility_options():
        groups[(o.kind, o.bed_type)].append(o)

    def suggest(classification: str, age: int | None, risk_factors: list[str], district_id: int | None) -> TriageSuggestion:
        decision = triage_decide(classification=classification, age=age, risk_factors=risk_factors or (), policy=policy)
        group = groups[(decision.kind, decision.bed_type)]
        suggestion = triage_suggest(
            classification=classification,
            age=age,
            risk_factors=risk_factors or (),
            district_id=district_id,
            policy=policy,
            facilities=group,
        )
        if suggestion.facility is not None:
            i = group.index(suggestion.facility)
            group[i] = dataclasses.replace(group[i], free=group[i].free - 1)
        return suggestion

    if offset:
        today = local_day(now)
        earlier = qs[:offset].values_list(
            "status",
            "case__classification",
            *(f"case__person__{f}" for f in SEALED_BIRTH_FIELDS),
            "case__risk_factors",
            "case__district_id",
        )
        for status, classification, *sealed, risk_factors, district_id in earlier:
            if status == TransferStatus.AWAITING:
                suggest(classification, age_on(birth_date_from(*sealed), today), risk_factors, district_id)
    items = []
    for t in transfers:
        suggestion = None
        if t.status == TransferStatus.AWAITING:
            suggestion = suggest(t.case.classification, person_age_at(t.case.person, now), t.case.risk_factors, t.case.district_id)
        items.append(
            BoardItem(
                transfer=t,
                case=t.case,
                deadline_at=t.deadline_at,
                overdue=t.deadline_at < now,
                remaining=t.deadline_at - now,
                refusals=refusals.get(t.case_id, 0),
                suggestion=suggestion,
            )
        )
    return items


# ---- beds ----


@dataclass
class BedFigures:
    bed_type: str
    capacity: int
    occupied: int
    en_route: int

    @property
    def free(self) -> int:
        return self.capacity - self.occupied

    @property
    def free_after_arrivals(self) -> int:
        return self.capacity - self.occupied - self.en_route

    @property
    def label(self) -> str:
        return str(BedType(self.bed_type).label)


@dataclass
class FacilityOccupancy:
    facility: TreatmentFacility
    beds: list[BedFigures]

    @property
    def capacity(self) -> int:
        return sum(b.capacity for b in self.beds)

    @property
    def occupied(self) -> int:
        return sum(b.occupied for b in self.beds)

    @property
    def en_route(self) -> int:
        return sum(b.en_route for b in self.beds)

    @property
    def free(self) -> int:
        return sum(b.free for b in self.beds)


@dataclass
class Occupancy:
    facilities: list[FacilityOccupancy]
    by_kind: dict[str, BedFigures]  # kind → totals (bed_type "" = all types)


def bed_figures(*, facility_id: int, bed_type: str) -> BedFigures | None:
    """One facility's beds of one type now, with the patients dispatched there and not yet admitted."""
    counts = FacilityBeds.objects.filter(facility_id=facility_id, bed_type=bed_type).values_list("capacity", "occupied").first()
    if counts is None:
        return None
    en_route = en_route_counts(facility_id=facility_id).get((facility_id, bed_type), 0)
    return BedFigures(bed_type, counts[0], counts[1], en_route)


def arrivals_warning(transfer: Transfer) -> str:
    """For a transfer just dispatched: a warning when the patients on the way to its facility and bed
    type (this one included) outnumber the free beds, else "". The dispatch is allowed while a bed is
    free now; admission is first come, first served."""
    if transfer.assigned_facility_id is None:
        return ""
    beds = bed_figures(facility_id=transfer.assigned_facility_id, bed_type=transfer.assigned_bed_type)
    if beds is None or beds.free_after_arrivals >= 0:
        return ""
    return _("注意：%(f)s%(bed)s在院 %(o)s/%(c)s，连同本车在途 %(r)s 人，全部到达时缺 %(k)s 张床；收治先到先得，未能收治的回到待转运。") % {
        "f": transfer.assigned_facility.name,
        "bed": transfer.get_assigned_bed_type_display(),
        "o": beds.occupied,
        "c": beds.capacity,
        "r": beds.en_route,
        "k": -beds.free_after_arrivals,
    }


def facility_occupancy(*, user: Any) -> Occupancy:
    """Every facility's beds by type: capacity, occupied, patients en route, free; totals by kind."""
    facilities = {f.pk: f for f in TreatmentFacility.objects.visible_to(user).select_related("district")}
    en_route = en_route_counts()
    rows: dict[int, list[BedFigures]] = defaultdict(list)
    for b in FacilityBeds.objects.filter(facility_id__in=list(facilities)).order_by("facility_id", "bed_type"):
        rows[b.facility_id].append(BedFigures(b.bed_type, b.capacity, b.occupied, en_route.get((b.facility_id, b.bed_type), 0)))
    out = [FacilityOccupancy(f, rows.get(pk, [])) for pk, f in facilities.items()]
    out.sort(key=lambda o: (o.facility.kind, o.facility.name))
    by_kind = {k: BedFigures("", 0, 0, 0) for k in FacilityKind.values}
    for o in out:
        total = by_kind[o.facility.kind]
        if o.facility.is_active:
            total.capacity += o.capacity
            total.occupied += o.occupied
            total.en_route += o.en_route
    return Occupancy(facilities=out, by_kind=by_kind)
