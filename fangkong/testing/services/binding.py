"""Binding people to tubes — one at a time or thousands per request — in one function, `bulk_bind`.

Every binding path (the sampler's page adding one person, a sampling app posting 5,000 bindings,
the benchmark loading a whole round) goes through it, so the rules are the same everywhere:
capacity, one routine sample per person per round (refused naming the earlier tube and sampling
point), household tubes hold one household, the tube closes when full. A request is written all or
nothing; set-based: a handful of queries per request, then COPY (PostgreSQL) or executemany
(SQLite) through fangkong.core.bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.bulk import BulkWriter, analyze_if_grown, gc_paused, refused_if_raced, reserve_ids
from fangkong.core.clock import NOT_IN_FUTURE, future_message, is_future, now
from fangkong.core.crypto import Sealer
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.rows import RowError, RowsRefused
from fangkong.core.scoping import Jurisdiction, jurisdiction_of
from fangkong.core.sql import fetch_in, read_datetime, table
from fangkong.core.timefmt import local_minutes
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.models import Household, Person
from fangkong.geo.services import number_search_check

from .. import events
from ..barcodes import InvalidBarcode, clean_barcode
from ..choices import CAPACITY, PoolingMode, RoundStatus, TubeStatus
from ..models import SamplingPoint, TestingRound, Tube, TubeMember
from ..permissions import TestingCap
from ..pooling import AreaIndex, allowed_modes
from .rounds import round_sampling_started

# The rules a row's refusal names: a number that is not a valid ID number, and a valid one that no
# registered person has (the sampling page then offers to register the person on the spot).
ID_NUMBER_RULE = "geo.id_number"
NOT_REGISTERED = "testing.person_not_registered"

MEMBER_COLUMNS = [
    "round_id",
    "tube_id",
    "person_id",
    "district_id",
    "street_id",
    "community_id",
    "grid_id",
    "household_id",
    "building_id",
    "unit_id",
    "is_resample",
    "sampled_at",
]
TUBE_COLUMNS = [
    "id",
    "round_id",
    "barcode",
    "sampling_point_id",
    "district_id",
    "street_id",
    "community_id",
    "pooling_mode",
    "capacity",
    "member_count",
    "is_resample",
    "status",
    "opened_at",
    "sampled_at",
    "closed_at",
    "deadline_at",
    "laboratory_id",
    "received_at",
    "resulted_at",
    "result",
]


@dataclass
class Binding:
    """One person into one tube. Give the person by ID number (as scanned) or by registry id."""

    barcode: str
    id_number: str = ""
    person_id: int | None = None
    sampled_at: dt.datetime | None = None
    sampling_point_id: int | None = None
    pooling_mode: str = ""
    row: int = 0


@dataclass
class BindReport:
    members_added: int
    tubes_opened: int
    tubes_closed: int
    closed_barcodes: list[str]


class _PersonPlaces(NamedTuple):
    """A person and their places (a tuple: 50,000 built per request, in C, not by a Python __init__)."""

    id: int
    name: str
    id_masked: str
    household_id: int | None
    district_id: int | None
    street_id: int | None
    community_id: int | None
    grid_id: int | None
    building_id: int | None
    unit_id: int | None


def _visible(j: Jurisdiction, p: _PersonPlaces) -> bool:
    return j.covers_place(district_id=p.district_id, street_id=p.street_id, community_id=p.community_id, grid_id=p.grid_id)


def _who(j: Jurisdiction, p: _PersonPlaces) -> str:
    """A person as a refusal names them: by name and masked number for the people the sampler may
    see; anyone else only as "the person of this row" (a refusal tells nothing about people outside
    the caller's places — fangkong.geo.lookup)."""
    return f"{p.name}（{p.id_masked}）" if _visible(j, p) else _("该证件号码对应人员")


@dataclass
class _TubeState:
    id: int | None
    barcode: str
    status: str
    capacity: int
    member_count: int
    pooling_mode: str
    sampling_point_id: int
    is_resample: bool
    sampled_at: dt.datetime | None
    is_new: bool
    district_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None
    households: set | None = None
    first_row: int = 0


def _people_by(column: str, keys: Sequence[Any]) -> dict[Any, _PersonPlaces]:
    person, household = table(Person), table(Household)
    found = fetch_in(
        f"SELECT p.{column}, p.id, p.name, p.id_masked, p.household_id, p.district_id, p.street_id, p.community_id, p.grid_id "
        f"FROM {person} p WHERE p.{column} {{IN}}",
        keys,
    )
    # Households by their own ids, not joined: joined, 10,000 people were planned as a hash join
    # over every household of the city (1.1 million rows) instead of 10,000 index probes.
    places = {
        r[0]: r[1:]
        for r in fetch_in(f"SELECT id, building_id, unit_id FROM {household} WHERE id {{IN}}", sorted({r[4] for r in found if r[4]}))
    }
    no_places = (None, None)
    make = _PersonPlaces._make
    return {r[0]: make(r[1:] + places.get(r[4], no_places)) for r in found}


def _check_round_open(testing_round: TestingRound) -> None:
    if testing_round.status == RoundStatus.CLOSED:
        raise DomainError(_("第 %(n)s 轮已结束，不能再采样登记") % {"n": testing_round.number}, rule="testing.round_closed")


class _NumbersToCount(Exception):
    """A refused batch leaving its transaction with the numbers it answered "not registered" for."""

    def __init__(self, refused: RowsRefused, numbers: list[str]) -> None:
        super().__init__(refused.message)
        self.refused, self.numbers = refused, numbers


def bulk_bind(
    *,
    actor: Any,
    testing_round: TestingRound,
    bindings: Iterable[Binding | dict],
    sampling_point: SamplingPoint | None = None,
    pooling_mode: str = "",
    at: dt.datetime | None = None,
    close_when_full: bool = True,
    sealer: Sealer | None = None,
) -> BindReport:
    """Bind people to tubes (`_bind`, all or nothing, in one transaction). A batch refused with rows
    whose number is not registered counts those numbers as searches after its transaction has rolled
    back (`_numbers_not_found`), so their audit events are kept."""
    try:
        return _bind(
            actor=actor,
            testing_round=testing_round,
            bindings=bindings,
            sampling_point=sampling_point,
            pooling_mode=pooling_mode,
            at=at,
            close_when_full=close_when_full,
            sealer=sealer,
        )
    except _NumbersToCount as exc:
        for number in exc.numbers:
            number_search_check(actor=actor, term=number, where="testing.bindings")
        raise exc.refused from None


@gc_paused()
@transaction.atomic
def _bind(
    *,
    actor: Any,
    testing_round: TestingRound,
    bindings: Iterable[Binding | dict],
    sampling_point: SamplingPoint | None = None,
    pooling_mode: str = "",
    at: dt.datetime | None = None,
    close_when_full: bool = True,
    sealer: Sealer | None = None,
) -> BindReport:
    """Bind people to tubes, opening tubes whose barcode is new in the round. All or nothing.

    `sampling_point` and `pooling_mode` are the defaults for rows that name neither (a sampling
    app posts one point's work; the pooling defaults to the area's, from the active policy).
    Phases: the rows' own format, the people, the tubes, the counts in each tube; then the writes."""
    require(actor, TestingCap.SAMPLE)
    _check_round_open(testing_round)
    at = at or now()
    rows = [b if isinstance(b, Binding) else Binding(**b) for b in bindings]
    _check_format(rows, at)
    _lock_tubes(testing_round, rows)
    j = jurisdiction_of(actor)
    people, first_row_of, errors = _people_of(rows, j, sealer or Sealer())
    tubes, tube_errors = _tubes_of(actor, testing_round, rows, sampling_point, pooling_mode)
    errors += tube_errors
    if errors:
        # Refused anyway: name the people already sampled in the round too, so one correction suffices.
        refused = RowsRefused(errors + _sampled_earlier(testing_round, rows, people, first_row_of, j), rule="testing.binding")
        numbers = _numbers_not_found(rows, people, skip={e.row for e in errors if e.rule == ID_NUMBER_RULE})
        raise _NumbersToCount(refused, numbers) if numbers else refused
    errors = _count_into_tubes(rows, tubes, people, j)
    if errors:
        raise RowsRefused(errors + _sampled_earlier(testing_round, rows, people, first_row_of, j), rule="testing.tube_capacity")

    hours = dt.timedelta(hours=testing_round.result_deadline_hours)
    closed: list[str] = []
    for s in tubes.values():
        if close_when_full and s.member_count >= s.capacity:
            s.status = TubeStatus.CLOSED
            closed.append(s.barcode)
    new_states = _write_new_tubes(testing_round, tubes, at, hours)
    _write_members(testing_round, rows, tubes, people, first_row_of, j)
    _write_changed_tubes(tubes, at, hours)
    if testing_round.status == RoundStatus.PLANNED:
        testing_round.status = round_sampling_started(actor=actor, testing_round=testing_round).status
    report = BindReport(len(rows), len(new_states), len(closed), closed[:100])
    transaction.on_commit(lambda: analyze_if_grown(Tube, TubeMember))
    audit_record(
        actor=actor,
        event_type=events.BINDINGS_ADDED,
        obj=testing_round,
        count=len(rows),
        after={
            "members_added": len(rows),
            "tubes_opened": len(new_states),
            "tubes_closed": len(closed),
            "barcodes": sorted(tubes)[:20],
            "sampling_point": sampling_point.pk if sampling_point else None,
        },
    )
    return report


def _check_format(rows: list[Binding], at: dt.datetime) -> None:
    """Each row on its own: a valid barcode, a person, a sampling time not in the future, a known mode."""
    errors: list[RowError] = []
    for i, b in enumerate(rows, start=1):
        b.row = b.row or i
        try:
            b.barcode = clean_barcode(b.barcode)
        except InvalidBarcode as exc:
            errors.append(RowError(b.row, "barcode", exc.message))
        if b.person_id is None and not (b.id_number or "").strip():
            errors.append(RowError(b.row, "id_number", _("缺少证件号码")))
        b.sampled_at = b.sampled_at or at
        if is_future(b.sampled_at, at=at):
            errors.append(RowError(b.row, "sampled_at", future_message(b.sampled_at, label=_("采样时间")), NOT_IN_FUTURE))
        if b.pooling_mode and b.pooling_mode not in PoolingMode.values:
            errors.append(RowError(b.row, "pooling_mode", _("未知采样方式 %(m)s") % {"m": b.pooling_mode}))
    if errors:
        raise RowsRefused(errors, rule="testing.binding_format")


def _numbers_not_found(rows: list[Binding], people: dict[int, _PersonPlaces], skip: set[int]) -> list[str]:
    """A refused batch names the rows whose ID number is not registered: an answer about each number,
    with nothing written. Those rows count as searches by full number (the same limit and audit as
    the search box, fangkong.geo.services.number_search_check), so a batch of candidate numbers with
    one bad row is not an unlimited oracle of who is registered; past the limit the batch is refused
    as too many searches, naming no row. A batch that is written counts nothing: it samples people.
    (bulk_bind counts them, once the batch's transaction has rolled back.)"""
    # skip: not a valid number, not looked up
    return [b.id_number for b in rows if b.person_id is None and b.row not in people and b.row not in skip]


def _lock_tubes(testing_round: TestingRound, rows: list[Binding]) -> None:
    """On PostgreSQL, the rows' existing tubes locked before anything is read."""
    if connection.vendor == "postgresql":
        # Lock the request's existing tubes before reading anything: two samplers adding to one tube
        # (or a double-tapped submit) otherwise both read the same member count and "not yet sampled".
        # SQLite needs nothing: its write transactions start IMMEDIATE, one at a time.
        fetch_in(
            f"SELECT id FROM {table(Tube)} WHERE round_id = %s AND barcode {{IN}} ORDER BY id FOR UPDATE",
            sorted({b.barcode for b in rows}),
            params_before=[testing_round.pk],
        )


def _people_of(rows: list[Binding], j: Any, sealer: Sealer) -> tuple[dict[int, _PersonPlaces], dict[int, int], list[RowError]]:
    """Each row's person (by row number), the first row of each person, and the rows refused."""
    errors: list[RowError] = []
    # People: by keyed hash of the ID number, or by registry id.
    # A number that is not a valid ID number is named as such (check digit, region, ...) and not
    # looked up: a typo is never answered as "not registered".
    hashes: dict[int, list[str]] = {}  # under each key of the ring: a rotation may be under way
    invalid: set[int] = set()
    for b in rows:
        if b.person_id is None:
            try:
                hashes[b.row] = sealer.lookup_hashes("id", check_id_input(b.id_number))
            except InvalidDocument as exc:
                errors.append(RowError(b.row, "id_number", exc.message, ID_NUMBER_RULE))
                invalid.add(b.row)
    by_hash = _people_by("id_hash", sorted({h for each in hashes.values() for h in each}))
    # By registry id only the people the sampler may see (ids can be counted through); by full ID
    # number anyone registered (the person is in front of the sampler with their card).
    by_id = {k: p for k, p in _people_by("id", sorted({b.person_id for b in rows if b.person_id is not None})).items() if _visible(j, p)}
    people: dict[int, _PersonPlaces] = {}
    first_row_of: dict[int, int] = {}
    for b in rows:
        if b.row in invalid:
            continue
        p = by_id.get(b.person_id) if b.person_id is not None else next((by_hash[h] for h in hashes[b.row] if h in by_hash), None)
        if p is None:
            field = "person_id" if b.person_id is not None else "id_number"
            errors.append(RowError(b.row, field, _("人员未在人口库登记，请先登记后再采样"), NOT_REGISTERED))
            continue
        people[b.row] = p
        if p.id in first_row_of:
            errors.append(
                RowError(
                    b.row,
                    field_of(b),
                    _("%(who)s在本次提交中重复：与第 %(r)s 行为同一人") % {"who": _who(j, p), "r": first_row_of[p.id]},
                )
            )
        else:
            first_row_of[p.id] = b.row
    return people, first_row_of, errors


def _tubes_of(
    actor: Any, testing_round: TestingRound, rows: list[Binding], sampling_point: SamplingPoint | None, pooling_mode: str
) -> tuple[dict[str, _TubeState], list[RowError]]:
    """The round's tubes the rows name, open ones read and new ones planned (point, area, pooling)."""
    errors: list[RowError] = []
    # Tubes: the ones already open in the round, and the new barcodes to open.
    barcodes = sorted({b.barcode for b in rows})
    tube = table(Tube)
    tubes: dict[str, _TubeState] = {}
    for r in fetch_in(
        f"SELECT id, barcode, status, capacity, member_count, pooling_mode, sampling_point_id, is_resample, sampled_at "
        f"FROM {tube} WHERE round_id = %s AND barcode {{IN}}",
        barcodes,
        params_before=[testing_round.pk],
    ):
        tubes[r[1]] = _TubeState(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), read_datetime(r[8]), False)
    point_ids = {b.sampling_point_id for b in rows if b.sampling_point_id} | ({sampling_point.pk} if sampling_point else set())
    points = {
        p["id"]: p
        for p in SamplingPoint.objects.visible_to(actor)
        .filter(pk__in=point_ids)
        .values("id", "name", "district_id", "street_id", "community_id", "grid_id", "is_active")
    }
    areas = AreaIndex(testing_round)
    for b in rows:
        state = tubes.get(b.barcode)
        point_id = b.sampling_point_id or (sampling_point.pk if sampling_point else None)
        if state is None:
            planned = _new_tube(b, point_id, points, areas, testing_round, pooling_mode)
            if isinstance(planned, RowError):
                errors.append(planned)
                continue
            state = tubes[b.barcode] = planned
        else:
            if point_id and point_id != state.sampling_point_id and b.sampling_point_id:
                errors.append(RowError(b.row, "sampling_point", _("试管 %(b)s 属于另一个采样点") % {"b": b.barcode}))
            if b.pooling_mode and b.pooling_mode != state.pooling_mode:
                errors.append(
                    RowError(
                        b.row, "pooling_mode", _("试管 %(b)s 为“%(m)s”") % {"b": b.barcode, "m": PoolingMode(state.pooling_mode).label}
                    )
                )
        if state.is_resample:
            errors.append(RowError(b.row, "barcode", _("试管 %(b)s 是上门单采试管，请在单采任务中登记") % {"b": b.barcode}))
        elif state.status != TubeStatus.OPEN:
            errors.append(
                RowError(b.row, "barcode", _("试管 %(b)s %(s)s，不能再加人") % {"b": b.barcode, "s": TubeStatus(state.status).label})
            )
    return tubes, errors


def _new_tube(
    b: Binding, point_id: int | None, points: dict[int, dict], areas: AreaIndex, testing_round: TestingRound, pooling_mode: str
) -> _TubeState | RowError:
    """A barcode new in the round: opened at the row's point (active, seen by the sampler, in the
    round's areas) with the area's pooling or a stricter one; or the row's refusal."""
    if point_id is None:
        return RowError(b.row, "sampling_point", _("新试管 %(b)s 须指定采样点") % {"b": b.barcode})
    p = points.get(point_id)
    if p is None:
        return RowError(b.row, "sampling_point", _("采样点不存在或不在您的管辖范围内"))
    if not p["is_active"]:
        return RowError(b.row, "sampling_point", _("采样点“%(p)s”已停用") % {"p": p["name"]})
    area = areas.area_for(district_id=p["district_id"], street_id=p["street_id"], community_id=p["community_id"], grid_id=p["grid_id"])
    if area is None:
        return RowError(b.row, "sampling_point", _("采样点“%(p)s”不在第 %(n)s 轮检测范围内") % {"p": p["name"], "n": testing_round.number})
    mode = b.pooling_mode or pooling_mode or area.pooling_mode
    if mode not in allowed_modes(area.pooling_mode):
        return RowError(
            b.row,
            "pooling_mode",
            _("%(place)s 按政策应采用“%(area)s”，不能使用“%(mode)s”（%(rule)s）")
            % {
                "place": area.place_name,
                "area": PoolingMode(area.pooling_mode).label,
                "mode": PoolingMode(mode).label,
                "rule": area.pooling_rule,
            },
        )
    return _TubeState(
        None, b.barcode, TubeStatus.OPEN, CAPACITY[mode], 0, mode, point_id, False, None, True,
        p["district_id"], p["street_id"], p["community_id"], first_row=b.row,
    )  # fmt: skip


def _count_into_tubes(rows: list[Binding], tubes: dict[str, _TubeState], people: dict[int, _PersonPlaces], j: Any) -> list[RowError]:
    """Add the rows to their tubes' counts in request order: capacity, and one household per 1户1管 tube."""
    errors: list[RowError] = []
    # Capacity and household tubes, counted in request order.
    household_tubes = [s for s in tubes.values() if s.pooling_mode == PoolingMode.HOUSEHOLD]
    if household_tubes:
        for s in household_tubes:
            s.households = set()
        existing = [s.id for s in household_tubes if not s.is_new and s.member_count]
        for tube_id, household_id in fetch_in(f"SELECT tube_id, household_id FROM {table(TubeMember)} WHERE tube_id {{IN}}", existing):
            next(s for s in household_tubes if s.id == tube_id).households.add(household_id)
    for b in rows:
        s = tubes[b.barcode]
        p = people[b.row]
        if s.member_count >= s.capacity:
            errors.append(
                RowError(
                    b.row,
                    "barcode",
                    _("试管 %(b)s（%(m)s）已满 %(c)s 人，不能再加入%(who)s")
                    % {"b": s.barcode, "m": PoolingMode(s.pooling_mode).label, "c": s.capacity, "who": _who(j, p)},
                )
            )
            continue
        if s.households is not None:
            if s.households and p.household_id not in s.households:
                errors.append(RowError(b.row, "barcode", _("1户1管：%(who)s不是该户成员") % {"who": _who(j, p)}))
                continue
            s.households.add(p.household_id)
        s.member_count += 1
        s.sampled_at = b.sampled_at if s.sampled_at is None else min(s.sampled_at, b.sampled_at)
    return errors


def _write_new_tubes(testing_round: TestingRound, tubes: dict[str, _TubeState], at: dt.datetime, hours: dt.timedelta) -> list[_TubeState]:
    """New tubes, their ids reserved first so the members can point at them."""
    new_states = [s for s in tubes.values() if s.is_new]
    for s, pk in zip(new_states, reserve_ids(Tube, len(new_states)), strict=True):
        s.id = pk
    with refused_if_raced(_("试管条码刚被另一采样登记使用，请换管或刷新后重试"), "testing.binding_race"):
        BulkWriter(Tube, TUBE_COLUMNS, binary=True).write(
            [
                (
                    s.id,
                    testing_round.pk,
                    s.barcode,
                    s.sampling_point_id,
                    s.district_id,
                    s.street_id,
                    s.community_id,
                    s.pooling_mode,
                    s.capacity,
                    s.member_count,
                    False,
                    s.status,
                    at,
                    s.sampled_at,
                    at if s.status == TubeStatus.CLOSED else None,
                    s.sampled_at + hours,
                    None,
                    None,
                    None,
                    "",
                )  # fmt: skip
                for s in new_states
            ]
        )
    return new_states


def _write_members(
    testing_round: TestingRound,
    rows: list[Binding],
    tubes: dict[str, _TubeState],
    people: dict[int, _PersonPlaces],
    first_row_of: dict[int, int],
    j: Any,
) -> None:
    # Once per round (re-tests aside): the unique index on (person, round) is the check. Looking
    # every person up first cost a query per request that the planner got badly wrong while the
    # round's member rows were not yet analysed (14 s for 50,000 people on a 300,000-person city);
    # the names, tubes and points of those already sampled are looked up only when it refuses.
    with _refused_if_sampled(testing_round, rows, people, first_row_of, j):
        round_id = testing_round.pk
        BulkWriter(TubeMember, MEMBER_COLUMNS, binary=True).write(
            [
                (
                    round_id,
                    tubes[b.barcode].id,
                    p.id,
                    p.district_id,
                    p.street_id,
                    p.community_id,
                    p.grid_id,
                    p.household_id,
                    p.building_id,
                    p.unit_id,
                    False,
                    b.sampled_at,
                )  # fmt: skip
                for b in rows
                for p in (people[b.row],)
            ]
        )


def _write_changed_tubes(tubes: dict[str, _TubeState], at: dt.datetime, hours: dt.timedelta) -> None:
    """The open tubes the rows were added to: count, status, first sampling time and deadline."""
    changed = [s for s in tubes.values() if not s.is_new]
    if changed:
        from fangkong.core.sql import bulk_update

        bulk_update(
            Tube,
            [
                ("member_count", "smallint"),
                ("status", "varchar"),
                ("sampled_at", "timestamptz"),
                ("deadline_at", "timestamptz"),
                ("closed_at", "timestamptz"),
            ],
            [
                (s.id, s.member_count, s.status, s.sampled_at, s.sampled_at + hours, at if s.status == TubeStatus.CLOSED else None)
                for s in changed
            ],
        )


def _sampled_earlier(
    testing_round: TestingRound, rows: list[Binding], people: dict[int, _PersonPlaces], first_row_of: dict[int, int], j: Jurisdiction
) -> list[RowError]:
    """Rows whose person was already sampled in the round: who, in which tube, where and when — for
    the people the sampler may see; for anyone else only that they were."""
    member, tube, point = table(TubeMember), table(Tube), table(SamplingPoint)
    earlier = fetch_in(
        f"SELECT m.person_id, t.barcode, sp.name, m.sampled_at FROM {member} m JOIN {tube} t ON t.id = m.tube_id "
        f"JOIN {point} sp ON sp.id = t.sampling_point_id WHERE m.round_id = %s AND m.is_resample = %s AND m.person_id {{IN}}",
        sorted(first_row_of),
        params_before=[testing_round.pk, False],
    )
    by_row = {b.row: b for b in rows}
    errors = []
    for person_id, barcode, point_name, sampled_at in earlier:
        p_row = first_row_of[person_id]
        p = people[p_row]
        when = read_datetime(sampled_at)
        if _visible(j, p):
            message = _("%(name)s（%(id)s）本轮已于 %(when)s 在“%(point)s”采样，试管 %(barcode)s，不能重复采样") % {
                "name": p.name,
                "id": p.id_masked,
                "when": local_minutes(when, blank=""),
                "point": point_name,
                "barcode": barcode,
            }
        else:
            message = _("该证件号码对应人员本轮已采样，不能重复采样")
        errors.append(RowError(p_row, field_of(by_row[p_row]), message))
    return sorted(errors, key=lambda e: e.row)


@contextmanager
def _refused_if_sampled(
    testing_round: TestingRound, rows: list[Binding], people: dict[int, _PersonPlaces], first_row_of: dict[int, int], j: Jurisdiction
) -> Iterator[None]:
    try:
        with transaction.atomic():
            yield
    except (IntegrityError, connection.Database.IntegrityError) as exc:
        errors = _sampled_earlier(testing_round, rows, people, first_row_of, j)
        if errors:
            raise RowsRefused(errors, rule="testing.binding") from exc
        # Nobody was sampled before this request began: another request wrote them meanwhile.
        raise DomainError(_("其中有人员刚被另一采样登记写入本轮（同一人不能重复采样），请刷新后重试"), rule="testing.binding_race") from exc


def field_of(b: Binding) -> str:
    return "person_id" if b.person_id is not None else "id_number"
