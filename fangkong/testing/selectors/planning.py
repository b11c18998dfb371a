"""Reads for the round and coverage pages (planning, the command centre): what a planner may choose,
a round's headline numbers, a coverage place and its breadcrumbs, a household's residents.

Every read is limited to the user's jurisdiction; a place outside it answers 404. The rules of
coverage itself live in fangkong.testing.selectors (round_coverage, person_status).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.permissions import withheld
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.models import Community, Grid, Household, Person
from fangkong.geo.permissions import GeoCap
from fangkong.policy.rules import Rule, rule
from fangkong.results.choices import RESULTS_BACK
from fangkong.zoning.choices import AreaClass

from ..choices import ROUND_TRANSITIONS, CheckOutcome, PoolingMode, RoundStatus, ScopeLevel
from ..models import PersonCheck, SamplingPoint, TestingRound, Tube, TubeMember
from ..permissions import positives_shown
from ..pooling import pooling_for
from ..selectors import COVERAGE_LEVELS, person_status, round_person_scope

# The place levels a round's scope may name (the city has no place), top down.
SCOPE_PLACE_LEVELS = (ScopeLevel.DISTRICT, ScopeLevel.STREET, ScopeLevel.COMMUNITY, ScopeLevel.GRID)
# The coverage hierarchy, top down (the compound is skipped: grids group buildings).
COVERAGE_PATH = ("district", "street", "community", "grid", "building", "unit", "household")
COVERAGE_LABELS = {
    "city": gettext_lazy("全市"),
    "district": gettext_lazy("区县"),
    "street": gettext_lazy("街道（乡镇）"),
    "community": gettext_lazy("社区（村）"),
    "grid": gettext_lazy("网格"),
    "building": gettext_lazy("楼栋"),
    "unit": gettext_lazy("单元"),
    "household": gettext_lazy("户"),
}
# A resident's result as told to a user who may not see who tested positive (permissions.positives_shown):
# 阴性, 混管阳性 and 阳性 alike are 已出结果 — told apart, the others would name the positive.
RESULT_WITHHELD = "resulted"
STATUSES_OF_RESULTS = ("negative", "pool_positive", "positive")
# A person's standing in a round (selectors.person_status) in the user's words, with a badge colour.
PERSON_STATUS = {
    "not_sampled": (gettext_lazy("未采样"), "secondary"),
    "awaiting": (gettext_lazy("已采样，待出结果"), "info"),
    "negative": (gettext_lazy("阴性"), "success"),
    "pool_positive": (gettext_lazy("混管阳性，待单采复核"), "warning"),
    "positive": (gettext_lazy("阳性"), "danger"),
    "invalid": (gettext_lazy("结果无效，待重采"), "warning"),
    RESULT_WITHHELD: (gettext_lazy("已出结果"), "secondary"),
}
# The action that moves a round into each status, for the buttons on its page.
STATUS_ACTIONS = {
    RoundStatus.ACTIVE: gettext_lazy("开始采样"),
    RoundStatus.CLOSED: gettext_lazy("结束本轮"),
}
PLACE_OPTION_LIMIT = 200


# ---- planning a round ----


def next_round_number() -> int:
    """Round numbers are unique city-wide: the next one after the highest planned."""
    return (TestingRound.objects.aggregate(n=Max("number"))["n"] or 0) + 1


def deadline_rule() -> Rule:
    """The policy rule that sets a round's deadline (testing.result_deadline_hours)."""
    return rule("testing.result_deadline_hours")


@dataclass(frozen=True)
class PoolingRow:
    area_class: str
    label: str
    mode: str
    mode_label: str
    citation: str


def pooling_table() -> list[PoolingRow]:
    """For each area class, the pooling the active policy sets and the rule's citation."""
    rows = []
    for value, label in AreaClass.choices:
        mode, citation = pooling_for(value)
        rows.append(PoolingRow(value, str(label), mode, str(PoolingMode(mode).label), citation))
    return rows


def plan_levels(*, user: Any) -> list[tuple[str, str]]:
    """The scope levels the user may plan at: the whole city only with a city-wide jurisdiction."""
    j = jurisdiction_of(user)
    if j.is_empty:
        return []
    levels = [(v, str(label)) for v, label in ScopeLevel.choices if v != ScopeLevel.CITY]
    if j.city:
        levels.insert(0, (ScopeLevel.CITY, str(ScopeLevel.CITY.label)))
    return levels


def default_scope(*, user: Any) -> tuple[str, int | None]:
    """The scope row a planner starts from: the whole city, or the top place they cover."""
    j = jurisdiction_of(user)
    if j.city:
        return ScopeLevel.CITY, None
    for level in SCOPE_PLACE_LEVELS:
        ids = j.covered.get(level)
        if ids:
            return level, (min(ids) if len(ids) == 1 else None)
    return ScopeLevel.DISTRICT, None


def _place_qs(user: Any, level: str) -> QuerySet:
    model = COVERAGE_LEVELS[level]["model"]
    qs = model.objects.covered_by(user)
    if level == ScopeLevel.STREET:
        qs = qs.select_related("district")
    elif level == ScopeLevel.COMMUNITY:
        qs = qs.select_related("street")
    elif level == ScopeLevel.GRID:
        qs = qs.select_related("community")
    return qs


def _place_label(level: str, place: Any) -> str:
    parent = {ScopeLevel.STREET: "district", ScopeLevel.COMMUNITY: "street", ScopeLevel.GRID: "community"}.get(level)
    return f"{getattr(place, parent).name} › {place.name}" if parent else place.name


@dataclass
class PlaceOptions:
    options: list[tuple[int, str]]
    more: int = 0  # how many more matched than are listed


def scope_places(*, user: Any, level: str, q: str = "", selected: int | None = None, limit: int = PLACE_OPTION_LIMIT) -> PlaceOptions:
    """Places at `level` the user covers (the ones round_plan accepts), filtered by name, for a select."""
    if level not in SCOPE_PLACE_LEVELS:
        return PlaceOptions([])
    qs = _place_qs(user, level)
    if q.strip():
        qs = qs.filter(name__icontains=q.strip())
    total = qs.count()
    places = list(qs[:limit])
    if selected is not None and all(p.pk != selected for p in places):
        places += list(_place_qs(user, level).filter(pk=selected))
    return PlaceOptions([(p.pk, _place_label(level, p)) for p in places], more=max(total - limit, 0))


def round_status_actions(testing_round: TestingRound) -> list[tuple[str, str]]:
    """The statuses the round may move to next, each with the button's words."""
    allowed = ROUND_TRANSITIONS[testing_round.status]
    return [(s.value, str(STATUS_ACTIONS[s])) for s in (RoundStatus.ACTIVE, RoundStatus.CLOSED) if s in allowed]


# ---- the list of rounds ----


def scope_summary(testing_round: TestingRound, shown: int = 3) -> str:
    """全市 / 新城区（管控区）、回民区（防范区）等 5 处 — from the prefetched areas."""
    areas = list(testing_round.areas.all())
    parts = [f"{a.place_label}（{a.get_area_class_display().split('（')[0]}）" for a in areas[:shown]]
    text = "、".join(parts)
    if len(areas) > shown:
        text += _("等 %(n)s 处") % {"n": len(areas)}
    return text


@dataclass(frozen=True)
class RoundCounts:
    sampled: int = 0
    resulted: int = 0


def round_counts(*, user: Any, rounds: list[TestingRound]) -> dict[int, RoundCounts]:
    """Samples taken and samples with a result in each round, within what the user covers.

    One grouped query on the tubes (their member counts), cheap enough for a page of rounds; a
    user who covers only grids has no tube-level scope, so their own residents' samples are counted."""
    ids = [r.pk for r in rounds]
    j = jurisdiction_of(user)
    if not ids or j.is_empty:
        return {}
    tube_level = j.city or any(level != "grid" and ids_ for level, ids_ in j.covered.items())
    if tube_level:
        rows = (
            Tube.objects.covered_by(user)
            .filter(round_id__in=ids, is_resample=False)
            .values_list("round_id")
            .annotate(n=Sum("member_count"), back=Sum("member_count", filter=Q(result__in=RESULTS_BACK)))
            .order_by()
        )
    else:
        rows = (
            TubeMember.objects.covered_by(user)
            .filter(round_id__in=ids, is_resample=False)
            .values_list("round_id")
            .annotate(n=Count("id"), back=Count("id", filter=Q(tube__result__in=RESULTS_BACK)))
            .order_by()
        )
    return {pk: RoundCounts(n or 0, back or 0) for pk, n, back in rows}


def door_knocking_grids(*, user: Any, limit: int = 30) -> tuple[list[Grid], int]:
    """The grids the user covers (a grid worker: theirs), for the door-knocking links; and how many in all."""
    qs = Grid.objects.covered_by(user).select_related("community")
    total = qs.count()
    return list(qs[:limit]), total


# ---- coverage ----


@dataclass(frozen=True)
class ScopeAreaRow:
    """One place of a round's scope on the round page; `opens` when the user may open its coverage."""

    area: Any
    opens: bool


def round_scope_rows(*, user: Any, testing_round: TestingRound) -> list[ScopeAreaRow]:
    """A round's scope, each place marked with whether this user may open it (coverage_place would
    not answer 404): a community worker sees the other communities of the round as names, not links."""
    areas = list(testing_round.areas.all())
    openable: dict[str, set[int]] = {}
    for level in {a.level for a in areas if a.level != ScopeLevel.CITY and a.place_id is not None}:
        ids = [a.place_id for a in areas if a.level == level and a.place_id is not None]
        model = COVERAGE_LEVELS[level]["model"]
        openable[level] = set(model.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    return [ScopeAreaRow(a, a.level != ScopeLevel.CITY and a.place_id in openable.get(a.level, set())) for a in areas]


def coverage_place(*, user: Any, level: str, pk: int | None) -> Any | None:
    """The place a coverage page is about: None for the city; 404 outside the user's reach."""
    if level not in COVERAGE_LEVELS:
        raise Http404
    if level == "city":
        return None
    if pk is None:
        raise Http404
    model = COVERAGE_LEVELS[level]["model"]
    ancestors = COVERAGE_PATH[: COVERAGE_PATH.index(level)]
    return get_object_or_404(model.objects.visible_to(user).select_related(*ancestors), pk=pk)


def place_name(level: str, place: Any) -> str:
    if place is None:
        return str(COVERAGE_LABELS["city"])
    return place.number if level == "household" else place.name


def coverage_crumbs(place: Any | None, level: str) -> list[tuple[str, Any]]:
    """[(level, place)…] from the district down to `place`, along district → … → household."""
    if place is None:
        return []
    crumbs = []
    for ancestor in COVERAGE_PATH[: COVERAGE_PATH.index(level)]:
        parent = getattr(place, ancestor, None)
        if parent is not None:
            crumbs.append((ancestor, parent))
    crumbs.append((level, place))
    return crumbs


@dataclass
class ResidentStanding:
    person: Person
    status: str
    status_label: str
    badge: str
    outcome: str = ""  # what the door-knocking check recorded
    whereabouts: str = ""


def residents_withheld(*, user: Any) -> str:
    """Who lives in a household (names, masked IDs) is the registry's people: "" when the user may see
    them (geo.view_people), else the refusal the coverage page shows in their place."""
    return withheld(user, GeoCap.VIEW_PEOPLE)


def household_residents(*, user: Any, testing_round: TestingRound, household: Household) -> list[ResidentStanding]:
    """The household's residents in the round's scope, each with their standing (IDs masked): nobody
    for a user who may not see them (residents_withheld); a result only as 已出结果 for a user who
    may not see who tested positive (RESULT_WITHHELD)."""
    if residents_withheld(user=user):
        return []
    results_shown = positives_shown(user)
    people = list(
        Person.objects.covered_by(user)
        .filter(household=household)
        .filter(round_person_scope(testing_round))
        .order_by(F("birth_year").asc(nulls_last=True), "pk")  # eldest first by year; never by the date (decision 0005)
    )
    checks = {
        pid: (outcome, where)
        for pid, outcome, where in PersonCheck.objects.covered_by(user)
        .filter(round=testing_round, person_id__in=[p.pk for p in people])
        .values_list("person_id", "outcome", "whereabouts")
    }
    out = []
    for p in people:
        status = person_status(testing_round=testing_round, person=p)
        if not results_shown and status in STATUSES_OF_RESULTS:
            status = RESULT_WITHHELD
        label, badge = PERSON_STATUS.get(status, (status, "secondary"))
        outcome, where = checks.get(p.pk, ("", ""))
        out.append(ResidentStanding(p, status, str(label), badge, str(CheckOutcome(outcome).label) if outcome else "", where))
    return out


# ---- sampling points ----


def point_communities(*, points: QuerySet[SamplingPoint]) -> list[tuple[int, str]]:
    """The communities that hold the points the user sees, for the filter."""
    return list(points.order_by("community__name").values_list("community_id", "community__name").distinct())


def point_create_communities(*, user: Any) -> QuerySet[Community]:
    """Communities a planner may put a sampling point in (the service checks the same)."""
    return Community.objects.covered_by(user).select_related("street").order_by("street_id", "name")


def point_create_grids(*, user: Any, community_id: int | None = None) -> QuerySet[Grid]:
    """Grids a point may be put in: all the user covers, or those of one community (for the select)."""
    qs = Grid.objects.covered_by(user).order_by("community_id", "name")
    return qs if community_id is None else qs.filter(community_id=community_id)
