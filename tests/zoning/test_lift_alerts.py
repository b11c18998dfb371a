"""The alert of a risk area due to lift or overdue (zoning.alerts) and the command's home page read the
lifting clock the board and the flags read (one rule): a new positive after the review restarts the
clock, and neither the alert nor the home page still calls the area due; overdue by the board's rule,
the alert fires once, dated as the board dates it — also when the results came in late, and when the
residents keep testing negative every day after the area fell due (the day it fell due stays put)."""

from __future__ import annotations

import datetime as dt

from fangkong.core.scoping import CITY_WIDE
from fangkong.flags.choices import FlagRuleCode
from fangkong.flags.models import Flag
from fangkong.flags.rules import RULES_BY_CODE
from fangkong.flags.services import flags_evaluate
from fangkong.zoning.alerts import AREA_DUE, AREA_OVERDUE, areas_due_to_lift
from fangkong.zoning.board import overdue_deadlines, overdue_to_lift
from fangkong.zoning.landing import decisions
from fangkong.zoning.lifting import lifting_status
from fangkong.zoning.models import RiskArea
from fangkong.zoning.pages import lifting_board
from fangkong.zoning.rules import overdue_after
from fangkong.zoning.services import lifting_review

from .conftest import day
from .test_lifting import NEG, POS, declare, screen

MINUTE = dt.timedelta(minutes=1)


def _alerts(since: dt.datetime, until: dt.datetime) -> list[tuple[str, str, dt.datetime]]:
    return [(e.message, e.key, e.at) for e in areas_due_to_lift(since=since, until=until)]


def _on_home_page(users, now: dt.datetime) -> list[str]:
    (panel,) = decisions(users["command"], now)
    return [row.text for row in panel.rows]


def test_a_new_positive_after_the_review_silences_the_alert_and_the_home_page_until_due_again(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    screen(lab, block.residents, day(5, 7))
    at(day(5, 12))
    assert lifting_review(at=day(5, 12)) == [area.pk]
    proposed = RiskArea.objects.get(pk=area.pk).lift_proposed_at
    assert _alerts(day(5, 11), day(5, 12)) == [(AREA_DUE, f"area:{area.pk}:due:{proposed:%Y%m%d%H%M%S}", day(5, 12))]
    assert _on_home_page(users, day(5, 12)) == ["3号楼"]

    lab.result(block.residents[0], day(5, 14), POS)  # that afternoon: the clock restarts
    at(day(7, 12))
    s = lifting_status(area)
    assert not s.due and s.lift_on == day(10).date()
    assert list(overdue_to_lift(CITY_WIDE, day(7, 12))) == []
    # Before the review runs again (the mark still stands), and after it: not due, so no alert.
    assert _alerts(day(5, 13), day(7, 12)) == []
    assert _on_home_page(users, day(7, 12)) == []
    assert lifting_review(at=day(7, 12)) == []
    assert RiskArea.objects.get(pk=area.pk).lift_proposed_at is None  # the mark is withdrawn
    assert _alerts(day(5, 13), day(7, 12)) == []
    assert _on_home_page(users, day(7, 12)) == []

    # Due again on the new clock's day 5, proposed again; overdue from the next day's midnight.
    screen(lab, block.residents, day(10, 7))
    at(day(10, 12))
    assert lifting_review(at=day(10, 12)) == [area.pk]
    assert [m for m, _k, _at in _alerts(day(10, 11), day(10, 12))] == [AREA_DUE]
    assert _on_home_page(users, day(10, 12)) == ["3号楼"]
    midnight = day(11, 0)
    at(midnight + MINUTE)
    lifting_review(at=midnight)
    ((pk, *_places, since),) = overdue_deadlines(CITY_WIDE, midnight + MINUTE)
    assert pk == area.pk and since == midnight
    assert _alerts(midnight - 5 * MINUTE, midnight + MINUTE) == [(AREA_OVERDUE, f"area:{area.pk}:overdue:{midnight:%Y%m%d}", midnight)]
    assert _alerts(midnight + MINUTE, midnight + 2 * MINUTE) == []  # once: the next runs find nothing new
    assert _on_home_page(users, midnight + MINUTE) == ["3号楼"]


def test_results_known_late_alert_overdue_at_once_with_the_boards_date(twenty, users, block, lab, at):
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    for p in block.residents:
        lab.result(p, day(5, 7), NEG, resulted_at=day(7, 9))  # sampled on day 5, resulted on day 7
    at(day(5, 12))
    assert lifting_review(at=day(5, 12)) == []  # awaited
    at(day(7, 10))
    assert lifting_review(at=day(7, 10)) == [area.pk]
    ((pk, *_places, since),) = overdue_deadlines(CITY_WIDE, day(7, 10))
    assert pk == area.pk and since == day(6, 0)  # due on day 5 (the screening's samples), overdue from day 6
    found = _alerts(day(7, 10) - 5 * MINUTE, day(7, 10) + MINUTE)
    assert [m for m, _k, _at in found] == [AREA_DUE, AREA_OVERDUE]
    assert found[1][1:] == (f"area:{area.pk}:overdue:{since:%Y%m%d}", since)
    assert _alerts(day(7, 10) + MINUTE, day(7, 10) + 2 * MINUTE) == []


def _kept_too_long(now: dt.datetime) -> list[tuple[int, str, str]]:
    """The flag 长时间不解封 after a full run at `now`: (flag id, subject, its evidence's words) of each open one."""
    flags_evaluate(at=now, full=True, rules=[RULES_BY_CODE[FlagRuleCode.AREA_KEPT_TOO_LONG]])
    flags = Flag.objects.open().filter(rule=FlagRuleCode.AREA_KEPT_TOO_LONG).order_by("pk")
    return [(f.pk, f.subject, str(f.evidence)) for f in flags]


def test_an_area_tested_every_day_after_it_fell_due_is_overdue_from_that_day_on_every_reader(twenty, users, block, lab, at):
    """Due on day 5 (the day-5 screening), the residents negative again every morning after, as in
    any sealed area: from the midnight risk.lift_overdue_days after day 5 the board, the flags, the
    lifting page, the area's page and the alert all call it overdue, from that same midnight — the
    day-5 date does not follow the newest negative — and the alert fires once."""
    grace = max(1, int(overdue_after().value or 0))
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    screen(lab, block.residents, day(5, 7))
    at(day(5, 12))
    assert lifting_review(at=day(5, 12)) == [area.pk]
    overdue = day(5 + grace, 0)  # Beijing midnight
    key = f"area:{area.pk}:overdue:{overdue:%Y%m%d}"
    fired: list[tuple[str, str, dt.datetime]] = []
    flag_ids = set()
    swept = day(5, 12)
    for n in range(6, 5 + grace + 3):
        for moment in (day(n, 0), day(n, 10)):  # the review at midnight, and after the morning's negatives
            if moment.hour == 10:
                screen(lab, block.residents, day(n, 7))
            at(moment + MINUTE)
            assert lifting_review(at=moment) == []  # proposed once, on day 5
            now = moment + MINUTE
            fired += _alerts(swept, now)
            swept = now
            if moment < overdue:
                assert overdue_deadlines(CITY_WIDE, now) == [] and _kept_too_long(now) == []
            else:
                ((pk, *_places, since),) = overdue_deadlines(CITY_WIDE, now)
                assert (pk, since) == (area.pk, overdue)
                ((flag_id, subject, evidence),) = _kept_too_long(now)
                assert subject == f"area:{area.pk}" and f"自 {overdue:%m-%d %H:%M} 起逾期未解除" in evidence
                flag_ids.add(flag_id)
                assert lifting_board(user=users["command"]) == ([area], [area])
            clock = lifting_status(RiskArea.objects.get(pk=area.pk))  # the area's page
            assert (clock.due_on, clock.overdue_since) == (day(5).date(), overdue)
            assert _on_home_page(users, now) == ["3号楼"]
    assert len(flag_ids) == 1  # raised once, never cleared in between
    assert [(m, k, t) for m, k, t in fired if m == AREA_OVERDUE] == [(AREA_OVERDUE, key, overdue)]  # once


def test_a_mark_without_its_day_gets_it_from_the_next_review_and_keeps_it(twenty, users, block, lab, at):
    """A mark written without the day the rule was met (before the day was kept, or by other hands):
    the next review adds the day as it finds it, without proposing the area again; later negatives
    do not move it."""
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    screen(lab, block.residents, day(5, 7))
    RiskArea.objects.filter(pk=area.pk).update(lift_proposed_at=day(5, 11))
    at(day(5, 12))
    assert lifting_review(at=day(5, 12)) == []  # already proposed on this clock
    assert RiskArea.objects.get(pk=area.pk).lift_due_on == day(5).date()
    screen(lab, block.residents, day(6, 7))
    at(day(6, 10))
    assert lifting_review(at=day(6, 10)) == []
    clock = lifting_status(RiskArea.objects.get(pk=area.pk))
    assert clock.due_on == day(5).date() and clock.overdue
