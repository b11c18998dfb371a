"""The lifting figures the review keeps (zoning.LiftFigures): the board, the lists and the flags read
them instead of evaluating every area on each drawing; they are never used stale, for a past time,
or across a change of the area's clock."""

from __future__ import annotations

import datetime as dt

from fangkong.zoning.choices import AreaClass
from fangkong.zoning.lifting import STORED_FRESH_FOR, lifting_status, lifting_statuses, residents_count
from fangkong.zoning.models import LiftFigures, RiskArea
from fangkong.zoning.pages import lifting_board
from fangkong.zoning.services import lifting_review

from .conftest import day
from .test_lifting import NEG, declare, screen


def stored(area, at):
    return lifting_statuses([area], at=at, stored=True)[area.pk]


def test_the_review_keeps_each_areas_figures_and_the_board_reads_them(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    screen(lab, block.residents, day(5, 7), awaited=block.residents[:1])
    at(day(5, 12))
    assert lifting_review() == []
    figures = LiftFigures.objects.get(area=area)
    assert (figures.evaluated_at, figures.residents, figures.awaited, figures.unsampled) == (day(5, 12), 3, 1, 0)
    # The last result arrives after the review: the area page (live) sees it at once; the board,
    # reading what the review kept, sees it with the next review (minutes), never before it.
    lab.result(block.residents[0], day(5, 7), NEG, resulted_at=day(5, 12) + dt.timedelta(minutes=1))
    at(day(5, 12) + dt.timedelta(minutes=5))
    assert lifting_status(area).due
    s = stored(area, day(5, 12) + dt.timedelta(minutes=5))
    assert not s.due and s.awaited_count == 1 and s.as_of == day(5, 12)
    assert lifting_board(user=users["command"]) == ([], [])
    assert lifting_review() == [area.pk]
    s = stored(area, day(5, 12) + dt.timedelta(minutes=5))
    assert s.due and s.missing_count == 0 and s.as_of == day(5, 12) + dt.timedelta(minutes=5)
    assert lifting_board(user=users["command"]) == ([area], [])


def test_stale_or_past_or_missing_figures_are_not_read(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    at(day(5, 12))
    lifting_review()  # everyone unsampled
    screen(lab, block.residents, day(5, 7))
    # Stale: older than STORED_FRESH_FOR, the area is evaluated live.
    later = day(5, 12) + STORED_FRESH_FOR + dt.timedelta(minutes=1)
    at(later)
    s = stored(area, later)
    assert s.due and s.as_of == later
    # A time before the review: evaluated for that time, not read from the future.
    before = stored(area, day(5, 11))
    assert before.as_of == day(5, 11)
    # An area approved after the last review has no figures yet: evaluated live.
    fresh = declare(users, [("building", block.tree.building.pk)], area_class=AreaClass.SEALED)
    assert not LiftFigures.objects.filter(area=fresh).exists()
    assert lifting_statuses([fresh], at=later, stored=True)[fresh.pk].residents == 3


def test_figures_from_before_the_clock_began_are_not_read(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    at(day(5, 12))
    lifting_review()
    RiskArea.objects.filter(pk=area.pk).update(level_since=day(5, 12) + dt.timedelta(minutes=1))  # a change of level
    area.refresh_from_db()
    s = stored(area, day(5, 12) + dt.timedelta(minutes=2))
    assert s.as_of == day(5, 12) + dt.timedelta(minutes=2) and s.clean_days == 0


def test_residents_under_control_are_counted_once_across_overlapping_areas(twenty, users, block, at):
    at(day(0))
    building = declare(users, [("building", block.tree.building.pk)])
    unit = declare(users, [("unit", block.tree.unit.pk)])
    both = RiskArea.objects.filter(pk__in=[building.pk, unit.pk])
    assert residents_count(both) == 3
    assert residents_count(RiskArea.objects.filter(pk=unit.pk)) == 2
    assert residents_count(RiskArea.objects.none()) == 0
