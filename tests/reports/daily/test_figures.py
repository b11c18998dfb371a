"""A report's figures are the board's figures for its place (the modules' own selectors, nothing
recomputed): over a small synthetic city, a community's report opened by its worker shows, figure by
figure, what the board's drill-down counts for that community, and the grouped count used to fill
many reports at once agrees."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fangkong.cases.synthetic import cases_generate
from fangkong.core.roles import Role
from fangkong.core.scoping import CITY_WIDE
from fangkong.geo.models import Community
from fangkong.geo.synthetic import city_generate
from fangkong.reports import board
from fangkong.reports.daily import services
from fangkong.reports.daily.figures import catalogue, figures_by_place
from fangkong.testing.synthetic import round_generate

from ...factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("beijing_afternoon")]


def test_a_community_report_carries_the_board_figures_of_its_community():
    city_generate(actor=None, people=1_000, seed=11)
    round_generate(seed=11)
    cases_generate(seed=11)
    command = make_user("daily-command", Role.COMMAND_CENTRE, [("city", None)])
    today = timezone.localdate()
    by_place = figures_by_place(user=command, level="community", date=today)
    assert by_place, "the synthetic city has rows in communities"
    # The demo's reports are filled by the system's city-wide reader: it reads what the command reads.
    assert figures_by_place(user=CITY_WIDE, level="community", date=today) == by_place
    community_id = max(by_place, key=lambda pk: sum(by_place[pk].values()))
    worker = make_user("daily-worker", Role.COMMUNITY_WORKER, [("community", Community.objects.get(pk=community_id))])
    report = services.report_open(actor=worker, level="community", place_id=community_id, date=today)
    now = timezone.now()
    keys = {f.key for f in catalogue()}
    assert set(report.figures) <= keys
    for step, figures in board.steps():
        for f in figures:
            key = f"{step.key}.{f.key}"
            if key in report.figures:
                expected = board.figure_count(f, user=worker, now=now, level="community", place_id=community_id)
                assert report.figures[key] == expected, key
                assert by_place[community_id].get(key, 0) == expected, key
    assert sum(report.figures.values()) > 0
