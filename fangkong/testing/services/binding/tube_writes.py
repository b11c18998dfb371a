"""The tube writers: a request's new tubes, its members and the open tubes it added to, written in
bulk (COPY on PostgreSQL, executemany on SQLite, through fangkong.core.bulk)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.bulk import BulkWriter, layout, refused_if_raced, reserve_ids

from ...choices import TubeStatus
from ...models import TestingRound, Tube, TubeMember
from .already_sampled import refused_if_sampled
from .people import BoundPerson
from .rows import Binding
from .tubes import TubeState

# What a binding writes; every other column takes its empty value (core.bulk.layout: not sampled
# at home, no laboratory, no result yet).
MEMBER_COLUMNS, MEMBER_REST = layout(
    TubeMember,
    [
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
        "sampled_at",
    ],
)
TUBE_COLUMNS, TUBE_REST = layout(
    Tube,
    [
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
        "status",
        "opened_at",
        "sampled_at",
        "closed_at",
        "deadline_at",
    ],
)


def write_new_tubes(testing_round: TestingRound, tubes: dict[str, TubeState], at: dt.datetime, hours: dt.timedelta) -> list[TubeState]:
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
                    s.status,
                    at,
                    s.sampled_at,
                    at if s.status == TubeStatus.CLOSED else None,
                    s.sampled_at + hours,
                    *TUBE_REST,
                )  # fmt: skip
                for s in new_states
            ]
        )
    return new_states


def write_members(
    testing_round: TestingRound,
    rows: list[Binding],
    tubes: dict[str, TubeState],
    people: dict[int, BoundPerson],
    first_row_of: dict[int, int],
    j: Any,
) -> None:
    # Once per round (re-tests aside): the unique index on (person, round) is the check. Looking
    # every person up first cost a query per request that the planner got badly wrong while the
    # round's member rows were not yet analysed (14 s for 50,000 people on a 300,000-person city);
    # the names, tubes and points of those already sampled are looked up only when it refuses.
    with refused_if_sampled(testing_round, rows, people, first_row_of, j):
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
                    b.sampled_at,
                    *MEMBER_REST,
                )  # fmt: skip
                for b in rows
                for p in (people[b.row],)
            ]
        )


def write_changed_tubes(tubes: dict[str, TubeState], at: dt.datetime, hours: dt.timedelta) -> None:
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
