"""The round's tubes a binding request names: the open ones read (locked first on PostgreSQL), the
new barcodes planned at their sampling point with the area's pooling, and the rows counted into
them in request order (capacity, one household per 1户1管 tube)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from fangkong.core.rows import RowError
from fangkong.core.sql import fetch_in, read_datetime, table

from ...barcodes import UNIQUE_RULE, barcode_used
from ...choices import CAPACITY, PoolingMode, TubeStatus
from ...models import SamplingPoint, TestingRound, Tube, TubeMember
from ...pooling import AreaIndex, allowed_modes
from .people import BoundPerson, who
from .rows import Binding


@dataclass
class TubeState:
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

    @property
    def full(self) -> bool:
        return self.member_count >= self.capacity

    def add(self, sampled_at: dt.datetime) -> None:
        """One more member, swabbed at `sampled_at` (the tube's time is its first swab's)."""
        self.member_count += 1
        self.sampled_at = sampled_at if self.sampled_at is None else min(self.sampled_at, sampled_at)


def read_tubes(testing_round: TestingRound, rows: list[Binding]) -> dict[str, TubeState]:
    """The round's open tubes the rows name, read once — and on PostgreSQL locked as they are read."""
    # Two samplers adding to one tube (or a double-tapped submit) would otherwise both read the same
    # member count and "not yet sampled". SQLite needs no lock: its write transactions start
    # IMMEDIATE, one at a time. The lock and the read are one statement (they were two: the
    # request's tubes read twice).
    lock = " ORDER BY id FOR UPDATE" if connection.vendor == "postgresql" else ""
    return {
        r[1]: TubeState(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), read_datetime(r[8]), False)
        for r in fetch_in(
            f"SELECT id, barcode, status, capacity, member_count, pooling_mode, sampling_point_id, is_resample, sampled_at "
            f"FROM {table(Tube)} WHERE round_id = %s AND barcode {{IN}}{lock}",
            sorted({b.barcode for b in rows}),
            params_before=[testing_round.pk],
        )
    }


def tubes_of(
    actor: Any,
    testing_round: TestingRound,
    rows: list[Binding],
    tubes: dict[str, TubeState],
    sampling_point: SamplingPoint | None,
    pooling_mode: str,
) -> tuple[dict[str, TubeState], list[RowError]]:
    """The round's tubes the rows name: the open ones read (`read_tubes`) and the new ones planned
    (point, area, pooling).

    A tube belongs to its sampling point: a row adds to an existing tube only at that point — the
    row's or the request's, when one is named — and only if the actor sees it. Any other existing
    tube of the round is refused as a used barcode (`barcode_used`, the words of opening one), saying
    nothing of it: not its point, state or pooling (it may be another district's)."""
    errors: list[RowError] = []
    tubes = dict(tubes)
    point_ids = {b.sampling_point_id for b in rows if b.sampling_point_id} | ({sampling_point.pk} if sampling_point else set())
    point_ids |= {s.sampling_point_id for s in tubes.values()}
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
        elif not state.is_new and (state.sampling_point_id not in points or point_id not in (None, state.sampling_point_id)):
            errors.append(RowError(b.row, "barcode", barcode_used(b.barcode), rule=UNIQUE_RULE))
            continue
        else:
            if point_id and point_id != state.sampling_point_id and b.sampling_point_id:
                # a barcode new in the request, opened by an earlier row of it at another point
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
) -> TubeState | RowError:
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
    return TubeState(
        None, b.barcode, TubeStatus.OPEN, CAPACITY[mode], 0, mode, point_id, False, None, True,
        p["district_id"], p["street_id"], p["community_id"], first_row=b.row,
    )  # fmt: skip


def count_into_tubes(rows: list[Binding], tubes: dict[str, TubeState], people: dict[int, BoundPerson], j: Any) -> list[RowError]:
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
        if s.full:
            errors.append(
                RowError(
                    b.row,
                    "barcode",
                    _("试管 %(b)s（%(m)s）已满 %(c)s 人，不能再加入%(who)s")
                    % {"b": s.barcode, "m": PoolingMode(s.pooling_mode).label, "c": s.capacity, "who": who(j, p)},
                )
            )
            continue
        if s.households is not None:
            if s.households and p.household_id not in s.households:
                errors.append(RowError(b.row, "barcode", _("1户1管：%(who)s不是该户成员") % {"who": who(j, p)}))
                continue
            s.households.add(p.household_id)
        s.add(b.sampled_at)
    return errors
