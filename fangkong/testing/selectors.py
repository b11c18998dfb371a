"""Reads with rules for 快检: coverage, the door-knocking list, deadlines, progress, the press report.

Every read is limited to the user's jurisdiction (visible_to / covered_by); counts use grouped
queries on the ancestor ids stored on each row, never a walk of the place tree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncHour
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fangkong.geo.models import Building, Community, District, Grid, Household, Person, Street, Unit
from fangkong.results.choices import RESULTS_BACK, Result
from fangkong.zoning.choices import FoundIn

from .choices import RESAMPLING_OPEN, PositiveStatus, ResamplingReason, ResamplingStatus, ScopeLevel, TubeStatus
from .models import (
    ConfirmedPositive,
    HouseholdCheck,
    Laboratory,
    PersonCheck,
    PersonControl,
    ResamplingTask,
    SamplingPoint,
    TestingRound,
    Tube,
    TubeMember,
    TubeResult,
    UnmatchedResult,
)
from .querysets import overdue_q

# Coverage levels: the place model, where a person row keeps that level's id, where member rows do,
# and the level shown one step down.
COVERAGE_LEVELS: dict[str, dict[str, Any]] = {
    "city": {"model": None, "person": None, "member": None, "child": "district"},
    "district": {"model": District, "person": "district_id", "member": "district_id", "child": "street"},
    "street": {"model": Street, "person": "street_id", "member": "street_id", "child": "community"},
    "community": {"model": Community, "person": "community_id", "member": "community_id", "child": "grid"},
    "grid": {"model": Grid, "person": "grid_id", "member": "grid_id", "child": "building"},
    "building": {
        "model": Building,
        "person": "household__building_id",
        "member": "building_id",
        "other": "household__building_id",
        "child": "unit",
    },
    "unit": {"model": Unit, "person": "household__unit_id", "member": "unit_id", "other": "household__unit_id", "child": "household"},
    "household": {"model": Household, "person": "household_id", "member": "household_id", "child": None},
}


BELOW_GRID = ("building", "unit", "household")


# ---- rounds, points, labs, tubes ----


def round_list(*, user: Any) -> QuerySet[TestingRound]:
    return TestingRound.objects.visible_to(user).prefetch_related("areas")


def round_get(*, user: Any, pk: int) -> TestingRound:
    return get_object_or_404(TestingRound.objects.visible_to(user), pk=pk)


def sampling_point_list(*, user: Any, community: Community | None = None) -> QuerySet[SamplingPoint]:
    qs = SamplingPoint.objects.visible_to(user).select_related("community", "street", "district")
    return qs.filter(community=community) if community is not None else qs


def laboratory_list(*, user: Any) -> QuerySet[Laboratory]:
    return Laboratory.objects.visible_to(user)


def tube_list(*, user: Any, testing_round: TestingRound, filters: dict[str, Any] | None = None) -> QuerySet[Tube]:
    filters = filters or {}
    qs = Tube.objects.visible_to(user).filter(round=testing_round).select_related("sampling_point", "laboratory")
    for key in ("status", "result", "pooling_mode", "laboratory_id", "sampling_point_id", "community_id"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    if filters.get("barcode"):
        qs = qs.filter(barcode__startswith=filters["barcode"].strip())
    return qs.order_by("id")


def tube_get(*, user: Any, testing_round: TestingRound, barcode: str) -> Tube:
    return get_object_or_404(
        Tube.objects.visible_to(user).select_related("sampling_point", "laboratory"), round=testing_round, barcode=barcode
    )


def tube_members(*, user: Any, tube: Tube) -> QuerySet[TubeMember]:
    return TubeMember.objects.visible_to(user).filter(tube=tube).select_related("person")


def tube_results(*, user: Any, tube: Tube) -> QuerySet[TubeResult]:
    """A tube's results, the current first, superseded ones after (the correction history)."""
    return TubeResult.objects.visible_to(user).filter(tube=tube).order_by("-is_current", "-id")


def unmatched_list(*, user: Any, testing_round: TestingRound) -> QuerySet[UnmatchedResult]:
    from fangkong.core.scoping import jurisdiction_of

    qs = UnmatchedResult.objects.filter(round=testing_round, resolved=False)
    return qs if jurisdiction_of(user).city else qs.visible_to(user)


def resampling_task_list(
    *, user: Any, testing_round: TestingRound | None = None, grid: Grid | None = None, status: tuple[str, ...] = RESAMPLING_OPEN
) -> QuerySet[ResamplingTask]:
    """上门单采 tasks the user covers (a grid worker: their grid), by household."""
    qs = ResamplingTask.objects.visible_to(user).select_related("person", "origin_tube", "household")
    if testing_round is not None:
        qs = qs.filter(round=testing_round)
    if grid is not None:
        qs = qs.filter(grid=grid)
    if status:
        qs = qs.filter(status__in=status)
    return qs.order_by("grid_id", "household_id", "id")


def control_list(*, user: Any, active_only: bool = True) -> QuerySet[PersonControl]:
    qs = PersonControl.objects.visible_to(user).select_related("person", "origin_tube")
    return qs.filter(status="active") if active_only else qs


def positive_queue(*, user: Any, testing_round: TestingRound | None = None) -> QuerySet[ConfirmedPositive]:
    """Confirmed positives awaiting case handling — the queue the cases app consumes."""
    qs = ConfirmedPositive.objects.visible_to(user).filter(status=PositiveStatus.AWAITING_CASE).select_related("person", "tube")
    return qs.filter(round=testing_round) if testing_round is not None else qs


def positives_awaiting_case(*, user: Any = None, limit: int | None = None) -> list[ConfirmedPositive]:
    """For 快转 taking the queue (inside its transaction): the positives awaiting case handling, the
    oldest first, locked; two takers (the periodic task and a page) never take the same one. `user`
    None is the system (every positive)."""
    qs = ConfirmedPositive.objects.filter(status=PositiveStatus.AWAITING_CASE)
    if user is not None:
        qs = qs.visible_to(user)
    qs = qs.order_by("detected_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    if limit:
        qs = qs[:limit]
    return list(qs.select_related("person", "round", "tube"))


def positives_by_id(pks: Any) -> QuerySet[ConfirmedPositive]:
    """Confirmed positives by id, with their tube and round (for a case's timeline: 快转 shows the
    positive its case came from)."""
    return ConfirmedPositive.objects.filter(pk__in=pks).select_related("tube", "round")


def positive_person_ids() -> list[int]:
    """Everyone the rounds found positive (the demo's cases leave them to the queue)."""
    return list(ConfirmedPositive.objects.values_list("person_id", flat=True))


def positive_for_case(*, user: Any, pk: int) -> ConfirmedPositive | None:
    """For 快转 taking one positive (inside its transaction): locked, if the user sees it (None otherwise)."""
    positive = ConfirmedPositive.objects.select_for_update(of=("self",)).select_related("person", "round", "tube").filter(pk=pk).first()
    if positive is None or not ConfirmedPositive.objects.visible_to(user).filter(pk=pk).exists():
        return None
    return positive


# ---- each person's result ----


def person_status(*, testing_round: TestingRound, person: Person) -> str:
    """not_sampled / awaiting / negative / pool_positive / positive / invalid — the person's standing."""
    if ConfirmedPositive.objects.filter(round=testing_round, person=person).exclude(status=PositiveStatus.WITHDRAWN).exists():
        return "positive"
    rows = list(
        TubeMember.objects.filter(round=testing_round, person=person)
        .order_by("-is_resample", "-sampled_at")
        .values_list("tube__result", flat=True)
    )
    if not rows:
        return "not_sampled"
    result = rows[0]
    if not result:
        return "awaiting"
    if result == Result.POSITIVE:
        return "pool_positive"
    return result


def person_result_rows(
    *, testing_round: TestingRound, part: tuple[int, int] = (0, 1), chunk: int = 20_000
) -> Iterator[tuple[int, int, str, dt.datetime | None, bool]]:
    """Every sampled person's tube result in the round, streamed: (person, tube, result, resulted_at, re-test).

    A person with a re-test appears once per tube; the re-test row (is_resample) is the one that counts.
    `part=(k, n)` streams the k-th of n equal ranges of the round's tube ids, so n processes can share
    the round (a tube's members stay together; the parts are disjoint and cover the round). Ranges,
    not tube id modulo n: the planner reads a range's share of the members (measured, two halves
    side by side 1.6 s against 2.5 s for the whole; modulo: each half 1.9 s)."""
    k, n = part
    if not 0 <= k < n:
        raise ValueError(f"part {k} of {n}")
    member, tube = TubeMember._meta.db_table, Tube._meta.db_table
    sql = (
        f'SELECT m.person_id, m.tube_id, t.result, t.resulted_at, m.is_resample FROM "{member}" m '
        f'JOIN "{tube}" t ON t.id = m.tube_id WHERE m.round_id = %s'
    )
    params: list[Any] = [testing_round.pk]
    if n > 1:
        bounds = Tube.objects.filter(round=testing_round).aggregate(lo=Min("id"), hi=Max("id"))
        if bounds["lo"] is None:
            return
        lo, span = bounds["lo"], bounds["hi"] - bounds["lo"] + 1
        sql += " AND m.tube_id >= %s AND m.tube_id < %s"
        params += [lo + span * k // n, lo + span * (k + 1) // n]
    if connection.vendor == "postgresql":
        # COPY … TO STDOUT in binary, decoded by psycopg's C loaders: twice the rows per second of a
        # server-side cursor (measured on 297,000 members: 1.7 s against 3.5 s).
        connection.ensure_connection()
        with connection.connection.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT BINARY)", params) as copy:
            copy.set_types(["int8", "int8", "varchar", "timestamptz", "bool"])
            yield from copy.rows()
        return
    with connection.chunked_cursor() as cur:
        cur.execute(sql, params)
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                return
            yield from rows


# ---- coverage ----


@dataclass
class Coverage:
    """不漏一户、不落一人: for one place, who lives there in the round's scope and where they stand."""

    place_id: int | None
    name: str = ""
    residents: int = 0
    sampled: int = 0
    results_back: int = 0
    positive: int = 0
    awaiting_retest: int = 0
    explained: int = 0

    @property
    def missing(self) -> int:
        return max(self.residents - self.sampled, 0)

    @property
    def sampled_rate(self) -> float:
        return self.sampled / self.residents if self.residents else 0.0


def round_person_scope(testing_round: TestingRound, prefix: str = "") -> Q:
    """The residents a round covers, as a filter on Person (or on a row with the same place ids)."""
    q = Q(pk__in=[])
    for area in testing_round.areas.all():
        if area.level == ScopeLevel.CITY:
            return Q()
        q |= Q(**{f"{prefix}{area.level}_id": area.place_id})
    return q


def round_coverage(
    *, user: Any, testing_round: TestingRound, level: str = "city", place_id: int | None = None, group_by: str | None = None
) -> tuple[Coverage, list[Coverage]]:
    """Coverage of a place (level + id; the city when level is "city") and of each place one level down.

    `group_by` names another level to break down by instead (e.g. every grid of the city at once).
    Counts are limited to what the user covers."""
    spec = COVERAGE_LEVELS[level]
    child = group_by or spec["child"]
    within_person = Q() if spec["person"] is None else Q(**{spec["person"]: place_id})
    within_member = Q() if spec["member"] is None else Q(**{spec["member"]: place_id})
    within_other = Q() if spec["member"] is None else Q(**{spec.get("other", spec["member"]): place_id})
    if level in BELOW_GRID:
        # A building, unit or household lies in one grid: narrowing to it lets the (round, grid)
        # indexes answer (a building's coverage took 0.64 s with a 3-million-sample round, 20 ms now).
        grid = Q(grid_id=spec["model"].objects.filter(pk=place_id).values_list("grid_id", flat=True).first())
        within_person, within_member, within_other = within_person & grid, within_member & grid, within_other & grid
    people = Person.objects.covered_by(user).filter(round_person_scope(testing_round)).filter(within_person)
    members = TubeMember.objects.covered_by(user).filter(round=testing_round, is_resample=False).filter(within_member)
    positives = (
        ConfirmedPositive.objects.covered_by(user).filter(round=testing_round).exclude(status=PositiveStatus.WITHDRAWN).filter(within_other)
    )
    tasks = (
        ResamplingTask.objects.covered_by(user)
        .filter(round=testing_round, status__in=RESAMPLING_OPEN)
        .exclude(reason=ResamplingReason.HOME_SAMPLING)
    )
    tasks = tasks.filter(within_other)
    # Bedridden residents sampled at home (上门采样) count as sampled; their result is back when the task is done.
    home = (
        ResamplingTask.objects.covered_by(user)
        .filter(round=testing_round, reason=ResamplingReason.HOME_SAMPLING, status__in=HOME_SAMPLED)
        .filter(within_other)
    )
    checks = PersonCheck.objects.covered_by(user).filter(round=testing_round).exclude(outcome="sampled_on_spot").filter(within_other)
    # A resident who was sampled does not also count as explained.
    checks = checks.exclude(Exists(TubeMember.objects.filter(round=testing_round, person_id=OuterRef("person_id"), is_resample=False)))
    checks = checks.exclude(Exists(_home_sampled(testing_round, OuterRef("person_id"))))

    if child is None:
        total = Coverage(place_id, residents=people.count())
        sampled = members.aggregate(n=Count("id"), back=Count("id", filter=Q(tube__result__in=RESULTS_BACK)))
        home_counts = home.aggregate(n=Count("id"), back=Count("id", filter=Q(status=ResamplingStatus.DONE)))
        total.sampled, total.results_back = sampled["n"] + home_counts["n"], sampled["back"] + home_counts["back"]
        total.positive = positives.count()
        total.awaiting_retest = tasks.values("person_id").distinct().count()
        total.explained = checks.count()
        return total, []

    child_spec = COVERAGE_LEVELS[child]
    person_key, member_key = child_spec["person"], child_spec["member"]
    other_key = child_spec.get("other", member_key)
    rows: dict[int, Coverage] = {}

    def row(pk: int | None) -> Coverage:
        if pk not in rows:
            rows[pk] = Coverage(pk)
        return rows[pk]

    for pk, n in people.values_list(person_key).annotate(n=Count("id")).order_by():
        row(pk).residents = n
    for pk, n, back in (
        members.values_list(member_key).annotate(n=Count("id"), back=Count("id", filter=Q(tube__result__in=RESULTS_BACK))).order_by()
    ):
        r = row(pk)
        r.sampled, r.results_back = n, back
    for pk, n, back in (
        home.values_list(other_key).annotate(n=Count("id"), back=Count("id", filter=Q(status=ResamplingStatus.DONE))).order_by()
    ):
        r = row(pk)
        r.sampled, r.results_back = r.sampled + n, r.results_back + back
    for pk, n in positives.values_list(other_key).annotate(n=Count("id")).order_by():
        row(pk).positive = n
    for pk, n in tasks.values_list(other_key).annotate(n=Count("person_id", distinct=True)).order_by():
        row(pk).awaiting_retest = n
    for pk, n in checks.values_list(other_key).annotate(n=Count("id")).order_by():
        row(pk).explained = n
    names = dict(child_spec["model"].objects.filter(pk__in=[k for k in rows if k is not None]).values_list("pk", _name_field(child)))
    for pk, r in rows.items():
        r.name = names.get(pk, "—") if pk is not None else "（未划分）"
    # The place's own figures are the sums of its parts (places with no id included as one row):
    # one grouped pass over the round's members instead of two (the city's coverage read the
    # round's 3 million members twice).
    total = Coverage(place_id)
    for figure in ("residents", "sampled", "results_back", "positive", "awaiting_retest", "explained"):
        setattr(total, figure, sum(getattr(r, figure) for r in rows.values()))
    return total, sorted(rows.values(), key=lambda r: (r.place_id is None, r.place_id or 0))


HOME_SAMPLED = (ResamplingStatus.SAMPLED, ResamplingStatus.DONE)


def _home_sampled(testing_round: TestingRound, person: Any) -> QuerySet[ResamplingTask]:
    """The home-sampling (bedridden) task of a person that has been sampled: the person counts as sampled."""
    return ResamplingTask.objects.filter(
        round=testing_round, person_id=person, reason=ResamplingReason.HOME_SAMPLING, status__in=HOME_SAMPLED
    )


def _name_field(level: str) -> str:
    return "number" if level == "household" else "name"


# ---- door-knocking list (敲门行动) ----


@dataclass
class MissingMember:
    person_id: int
    name: str
    id_masked: str
    outcome: str = ""
    whereabouts: str = ""


@dataclass
class HouseholdToKnock:
    household_id: int
    address: str
    residents: int
    sampled: int
    sticker: str
    missing: list[MissingMember] = field(default_factory=list)


def door_knocking_list(*, user: Any, testing_round: TestingRound, grid_id: int) -> list[HouseholdToKnock]:
    """Every household of the grid with someone not yet sampled in the round, printable in order."""
    grid = get_object_or_404(Grid.objects.visible_to(user), pk=grid_id)
    sampled = TubeMember.objects.filter(round=testing_round, person_id=OuterRef("pk"), is_resample=False)
    home_sampled = _home_sampled(testing_round, OuterRef("pk"))
    people = (
        Person.objects.covered_by(user)
        .filter(grid_id=grid.pk, household__isnull=False)
        .filter(round_person_scope(testing_round))
        .annotate(done=Exists(sampled) | Exists(home_sampled))
        .values_list("pk", "household_id", "name", "id_masked", "done")
        .order_by("household_id", "pk")
    )
    by_household: dict[int, list[tuple]] = defaultdict(list)
    for row in people:
        by_household[row[1]].append(row)
    wanted = [h for h, rows in by_household.items() if any(not r[4] for r in rows)]
    if not wanted:
        return []
    checks = {
        pid: (outcome, where)
        for pid, outcome, where in PersonCheck.objects.filter(round=testing_round, household_id__in=wanted).values_list(
            "person_id", "outcome", "whereabouts"
        )
    }
    stickers = dict(HouseholdCheck.objects.filter(round=testing_round, household_id__in=wanted).values_list("household_id", "sticker"))
    households = (
        Household.objects.filter(pk__in=wanted).select_related("compound", "building", "unit").order_by("building_id", "unit_id", "number")
    )
    out = []
    for h in households:
        rows = by_household[h.pk]
        item = HouseholdToKnock(
            household_id=h.pk,
            address=h.address,
            residents=len(rows),
            sampled=sum(1 for r in rows if r[4]),
            sticker=stickers.get(h.pk, "none"),
        )
        for pid, _h, name, masked, done in rows:
            if not done:
                outcome, where = checks.get(pid, ("", ""))
                item.missing.append(MissingMember(pid, name, masked, outcome, where))
        out.append(item)
    return out


# ---- deadlines and progress ----


@dataclass
class OverdueGroup:
    key: int | None
    name: str
    overdue_tubes: int
    overdue_samples: int


def overdue_tubes(*, user: Any, testing_round: TestingRound, now: dt.datetime | None = None) -> QuerySet[Tube]:
    now = now or timezone.now()
    return Tube.objects.visible_to(user).filter(round=testing_round).filter(overdue_q(now)).exclude(status=TubeStatus.OPEN, member_count=0)


def overdue_by(*, user: Any, testing_round: TestingRound, by: str, now: dt.datetime | None = None) -> list[OverdueGroup]:
    """Tubes past their result deadline (policy testing.result_deadline_hours), by laboratory or sampling point."""
    key, name = {"laboratory": ("laboratory_id", "laboratory__name"), "sampling_point": ("sampling_point_id", "sampling_point__name")}[by]
    rows = (
        overdue_tubes(user=user, testing_round=testing_round, now=now)
        .values_list(key, name)
        .annotate(n=Count("id"), samples=Sum("member_count"))
        .order_by("-n", name)
    )
    return [OverdueGroup(k, nm or "（未送检）", n, s or 0) for k, nm, n, s in rows]


@dataclass
class ProgressPoint:
    hour: dt.datetime
    sampled: int
    resulted: int


def round_progress(*, user: Any, testing_round: TestingRound) -> list[ProgressPoint]:
    """Cumulative samples taken and samples with results, hour by hour (the progress chart)."""
    tubes = Tube.objects.visible_to(user).filter(round=testing_round, is_resample=False)
    sampled = dict(
        tubes.exclude(sampled_at=None).annotate(h=TruncHour("sampled_at")).values_list("h").annotate(n=Sum("member_count")).order_by()
    )
    resulted = dict(
        tubes.filter(result__in=RESULTS_BACK)
        .annotate(h=TruncHour("resulted_at"))
        .values_list("h")
        .annotate(n=Sum("member_count"))
        .order_by()
    )
    out, s_total, r_total = [], 0, 0
    for hour in sorted(set(sampled) | set(resulted)):
        s_total += sampled.get(hour, 0)
        r_total += resulted.get(hour, 0)
        out.append(ProgressPoint(hour, s_total, r_total))
    return out


# ---- the press-conference report ----


@dataclass
class PressReport:
    number: int
    sampled: int
    resulted: int
    positives: int
    by_district: list[tuple[str, int]]
    in_control: int
    in_community: int

    @property
    def zh(self) -> str:
        parts = "、".join(f"{name}{n}例" for name, n in self.by_district)
        text = f"第{self.number}轮核酸检测共采集样本{self.sampled}人份，"
        text += "全部已出结果，" if self.resulted and self.resulted == self.sampled else f"已出结果{self.resulted}人份，"
        if not self.positives:
            return text + "未检出阳性。"
        text += f"共检出阳性{self.positives}例（{parts}），"
        return text + f"其中隔离管控区域{self.in_control}例、社会面{self.in_community}例。"

    @property
    def en(self) -> str:
        text = f"Round {self.number} of mass testing collected {self.sampled:,} samples; {self.resulted:,} have results. "
        if not self.positives:
            return text + "No positives were found."
        parts = ", ".join(f"{name} {n}" for name, n in self.by_district)
        split = f"{self.in_control} in isolation or controlled areas, {self.in_community} in the community"
        return text + f"{self.positives} positive ({parts}): {split}."


def press_report(*, user: Any, testing_round: TestingRound, counted: tuple[int, int] | None = None) -> PressReport:
    """The press-conference paragraph. `counted` = (sampled, resulted) when the caller has already
    counted the round's samples (press.press_by_district's totals): one pass over millions of
    members instead of two."""
    if counted is None:
        members = TubeMember.objects.covered_by(user).filter(round=testing_round, is_resample=False)
        counts = members.aggregate(n=Count("id"), back=Count("id", filter=Q(tube__result__in=RESULTS_BACK)))
    else:
        counts = {"n": counted[0], "back": counted[1]}
    positives = ConfirmedPositive.objects.covered_by(user).filter(round=testing_round).exclude(status=PositiveStatus.WITHDRAWN)
    by_district = list(positives.values_list("district__code", "district__name").annotate(n=Count("id")).order_by("district__code"))
    split = dict(positives.values_list("found_in").annotate(n=Count("id")).order_by())
    return PressReport(
        number=testing_round.number,
        sampled=counts["n"],
        resulted=counts["back"],
        positives=sum(n for _c, _name, n in by_district),
        by_district=[(name or "（未知）", n) for _c, name, n in by_district],
        in_control=split.get(FoundIn.CONTROLLED, 0),
        in_community=split.get(FoundIn.COMMUNITY, 0),
    )
