"""Raising is idempotent (one open flag per rule and subject, one audit event per run that changed
something), a flag clears when its condition ends and is kept; the same condition again is a new
flag. Areas kept past their lifting date (长时间不解封): flagged the day after they fall due, not on
the day; between full runs the lifting clocks are not recomputed unless an area changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.flags.choices import FlagKind, FlagRuleCode
from fangkong.flags.events import FlagsEvent
from fangkong.flags.models import Flag
from fangkong.flags.rules import RULES_BY_CODE, Evidence, Finding, Outcome
from fangkong.flags.services.evaluation import _apply
from fangkong.zoning.choices import AreaStatus, PlaceLevel
from fangkong.zoning.models import RiskArea

from ..zoning.conftest import at, block, day, lab, twenty  # noqa: F401 (fixtures)
from ..zoning.test_lifting import declare, screen
from .conftest import evaluate, open_subjects
from .test_rules import _area

pytestmark = pytest.mark.django_db
WIDE = FlagRuleCode.AREA_TOO_WIDE


def test_raising_twice_keeps_one_flag_and_one_audit_event(city):
    wide = _area(city.home, level=PlaceLevel.COMMUNITY, place=city.home.community, wider=True)
    now = timezone.now()
    first = evaluate(WIDE, now)
    again = evaluate(WIDE, now + dt.timedelta(minutes=5))
    assert (first.raised, again.raised, again.cleared) == (1, 0, 0)
    assert Flag.objects.filter(rule=WIDE).count() == 1 and open_subjects(WIDE) == {f"area:{wide.pk}"}
    assert AuditEvent.objects.filter(event_type=FlagsEvent.FLAGS_EVALUATED, object_id=WIDE).count() == 1
    assert Flag.objects.get(rule=WIDE).seen_at == now + dt.timedelta(minutes=5)


def test_a_flag_raised_by_a_racing_run_is_not_raised_again(city):
    """The open flag's unique constraint: a second insert of the same subject is ignored."""
    rule = RULES_BY_CODE[WIDE]
    finding = Finding("area:999", (city.home.district.pk, None, None), "x", [Evidence("zoning.riskarea", 999, "x")])
    now = timezone.now()
    _apply(rule, Outcome([finding]), now)
    Flag.objects.filter(rule=WIDE).update(subject="area:999")  # as if another run had raised it meanwhile
    _apply(rule, Outcome([finding]), now)
    assert Flag.objects.filter(rule=WIDE, subject="area:999").count() == 1


def test_a_flag_clears_when_its_condition_ends_and_a_new_one_is_raised_when_it_returns(city):
    wide = _area(city.home, level=PlaceLevel.COMMUNITY, place=city.home.community, wider=True)
    now = timezone.now()
    evaluate(WIDE, now)
    RiskArea.objects.filter(pk=wide.pk).update(status=AreaStatus.LIFTED, lifted_at=now)
    run = evaluate(WIDE, now + dt.timedelta(hours=1))
    assert run.cleared == 1 and open_subjects(WIDE) == set()
    cleared = Flag.objects.get(rule=WIDE)
    assert cleared.cleared_at == now + dt.timedelta(hours=1) and cleared.evidence  # kept, with its items
    RiskArea.objects.filter(pk=wide.pk).update(status=AreaStatus.IN_FORCE, lifted_at=None)
    assert evaluate(WIDE, now + dt.timedelta(hours=2)).raised == 1
    assert Flag.objects.filter(rule=WIDE).count() == 2 and Flag.objects.open().filter(rule=WIDE).count() == 1


def test_an_area_kept_past_its_lifting_date_is_flagged_the_day_after_it_fell_due(twenty, users, block, lab, at):  # noqa: F811
    at(day(0))
    area = declare(users, [("building", block.tree.building.pk)])
    screen(lab, block.residents, day(5, 7))
    code = FlagRuleCode.AREA_KEPT_TOO_LONG
    assert evaluate(code, at(day(5, 20))).found == 0  # due today: not yet overdue
    run = evaluate(code, at(day(6, 9)), full=True)
    assert run.raised == 1
    flag = Flag.objects.open().get(rule=code)
    assert flag.subject == f"area:{area.pk}" and flag.kind == FlagKind.OVER and "risk.lift_overdue_days" in flag.citation
    # Within the hour, no area changed, the same day: the clocks are not recomputed.
    assert evaluate(code, at(day(6, 9) + dt.timedelta(minutes=5))).skipped
    RiskArea.objects.filter(pk=area.pk).update(status=AreaStatus.LIFTED, lifted_at=day(6, 10), updated_at=day(6, 10))
    run = evaluate(code, at(day(6, 10) + dt.timedelta(minutes=5)))
    assert not run.skipped and run.cleared == 1
