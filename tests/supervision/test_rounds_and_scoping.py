"""Missing inspection rounds (three a day for sealed compounds: a window that has ended with no
inspection), who sees what (an inspector their assignments, an office its jurisdiction), the
accountability figures and their items, the due/overdue alert, the board's row."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from fangkong.core.board import Figure
from fangkong.notifications.rules import rules
from fangkong.policy.regimen import local_midnight
from fangkong.supervision import board
from fangkong.supervision.alerts import OVERDUE, RECTIFICATION_DUE, rectifications_due
from fangkong.supervision.choices import PlaceKind, RectificationStatus
from fangkong.supervision.models import Assignment, Rectification
from fangkong.supervision.scope import assignments_visible, rectifications_visible
from fangkong.supervision.selectors import accountability, day_rounds, missing_rounds
from fangkong.supervision.services.inspections import inspection_record
from fangkong.supervision.services.rectifications import rectification_fix, rectification_verify
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.models import RiskArea

from .conftest import all_pass, jpeg, record_finding

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed(sup, city):
    home = city.home
    area = RiskArea.objects.create(
        name="迎宾小区封控区",
        area_class=AreaClass.SEALED,
        status=AreaStatus.IN_FORCE,
        district_id=home.district.pk,
        street_id=home.street.pk,
        community_id=home.community.pk,
        in_force_at=timezone.now() - dt.timedelta(days=5),
    )
    return Assignment.objects.create(
        team=sup["team"],
        place_kind=PlaceKind.SEALED_AREA,
        place_id=area.pk,
        place_name=area.name,
        district_id=home.district.pk,
        street_id=home.street.pk,
        community_id=home.community.pk,
        starts_on=timezone.localdate() - dt.timedelta(days=5),
    )


def test_a_sealed_compound_has_three_rounds_a_day_and_a_missed_window_is_flagged(sup, sealed):
    day = timezone.localdate() - dt.timedelta(days=1)  # a whole day, yesterday
    midnight = local_midnight(day)
    for hours in (7, 20):  # rounds 1 (00–08) and 3 (16–24); round 2 (08–16) missed
        inspection_record(
            actor=sup["inspector"],
            assignment_id=sealed.pk,
            inspected_at=midnight + dt.timedelta(hours=hours),
            answers=all_pass(PlaceKind.SEALED_AREA),
        )
    rounds = next(r for r in day_rounds(user=sup["inspector"], day=day, now=timezone.now()) if r.assignment == sealed)
    assert rounds.rounds == 3 and rounds.done == [1, 0, 1]
    assert [m.number for m in rounds.missing] == [2]


def test_a_round_still_open_is_not_missing_yet(sup, sealed):
    day = timezone.localdate()
    with time_machine.travel(local_midnight(day) + dt.timedelta(hours=10), tick=False):  # 10:00: round 2 runs until 16:00
        now = timezone.now()
        inspection_record(actor=sup["inspector"], assignment_id=sealed.pk, inspected_at=now, answers=all_pass(PlaceKind.SEALED_AREA))
        missing = [m for m in missing_rounds(user=sup["inspector"], day=day, now=now) if m.assignment == sealed]
        assert [m.number for m in missing] == [1]  # 00–08 had none; 08–16 has one
        # the board's figure counts the compound once, late since 08:00
        late = board.missing_deadlines(sup["inspector"], now)
        assert (sealed.pk, sealed.district_id, sealed.street_id, sealed.community_id, local_midnight(day) + dt.timedelta(hours=8)) in late


def test_an_inspector_sees_only_their_assignments_and_an_office_its_jurisdiction(sup, users, city):
    assert set(assignments_visible(sup["inspector"])) == {sup["assignment"]}
    assert set(assignments_visible(sup["outsider"])) == {sup["other"]}
    assert set(assignments_visible(users["district"])) == {sup["assignment"], sup["other"]}
    assert not assignments_visible(users["nogrant"]).exists()
    assert not assignments_visible(users["grid"]).exists()  # no supervision.view
    record_finding(sup)
    assert rectifications_visible(sup["inspector"]).count() == 1
    assert rectifications_visible(sup["outsider"]).count() == 0
    assert rectifications_visible(users["community"]).count() == 1
    from fangkong.core.roles import Role

    from ..factories import make_user

    far = make_user("far", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    assert rectifications_visible(far).count() == 0


def test_accountability_per_unit_and_person_with_each_figures_items(sup, users):
    now = timezone.now()
    on_time = record_finding(sup).rectifications.get()
    late = record_finding(sup, at=now - dt.timedelta(hours=30)).rectifications.get()
    still_open = record_finding(sup).rectifications.get()
    for rect in (on_time, late):
        rect = rectification_fix(actor=sup["owner"], rectification=rect, evidence="已整改", photo=jpeg())
        rectification_verify(actor=sup["inspector"], rectification=rect, accepted=True)
    rows = accountability(user=users["district"], start=timezone.localdate() - dt.timedelta(days=2), end=timezone.localdate())
    assert len(rows) == 1
    row = rows[0]
    assert (row.unit, row.owner_id) == ("迎宾南路社区", sup["owner"].pk)
    assert row.counts == {"findings": 3, "on_time": 1, "late": 1, "open": 1}
    assert row.items["on_time"] == [on_time.pk] and row.items["late"] == [late.pk] and row.items["open"] == [still_open.pk]
    assert accountability(user=sup["outsider"], start=timezone.localdate() - dt.timedelta(days=2), end=timezone.localdate()) == []


def test_the_alert_rule_finds_due_and_overdue_rectifications_and_not_fixed_ones(sup):
    assert rules.get(RECTIFICATION_DUE) is not None
    now = timezone.now()
    rect = record_finding(sup, deadline=now + dt.timedelta(hours=2)).rectifications.get()
    fixed = record_finding(sup, deadline=now + dt.timedelta(hours=2)).rectifications.get()
    rectification_fix(actor=sup["owner"], rectification=fixed, evidence="已整改", photo=jpeg())
    events = list(rectifications_due(since=now - dt.timedelta(hours=3), until=now + dt.timedelta(hours=3)))
    keys = {e.key for e in events}
    assert any(k.startswith(f"rectification:{rect.pk}:due") for k in keys)
    assert any(k.startswith(f"rectification:{rect.pk}:overdue") for k in keys)
    assert not any(k.startswith(f"rectification:{fixed.pk}:") for k in keys)
    assert {e.message for e in events} == {"supervision.rectification_due_soon", OVERDUE}


def test_the_boards_row_counts_overdue_rectifications_for_the_district(sup, users):
    now = timezone.now()
    rect = record_finding(sup, at=now - dt.timedelta(hours=30)).rectifications.get()  # deadline 6 hours ago
    figures = {f.key: f for f in board.figures()}
    overdue = figures["rectifications_overdue"]
    assert isinstance(overdue, Figure) and overdue.late
    assert list(overdue.rows(users["district"], now)) == [rect]
    assert list(overdue.rows(sup["outsider"], now)) == []
    items = overdue.describe([rect], now)
    assert items[0].unit == "迎宾南路社区" and items[0].person == sup["owner"].full_name
    rect = rectification_fix(actor=sup["owner"], rectification=rect, evidence="已整改", photo=jpeg())
    assert rect.status == RectificationStatus.SUBMITTED
    assert not overdue.rows(users["district"], now).exists()
    assert Rectification.objects.count() == 1
