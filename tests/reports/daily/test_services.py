"""The daily reports' writes: compilation sums the units' figures and gathers their texts under each
unit's name; the deadline marks a late submission; a report cannot be submitted twice nor changed
after its level above compiled it (clear errors naming the field, nothing half-applied); reopening
is the level above's audited action."""

from __future__ import annotations

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.policy.rules import rule
from fangkong.reports.daily import services
from fangkong.reports.daily.choices import ReportStatus, UnitState
from fangkong.reports.daily.events import DailyReportEvent
from fangkong.reports.daily.models import DailyReport
from fangkong.reports.daily.selectors import reports_on_time, unit_states

from .conftest import DAY, at

pytestmark = [pytest.mark.django_db]


def community_report(user, community, *, figures, problems="", submit=True):
    report = services.report_open(actor=user, level="community", place_id=community.pk, date=DAY, filled=figures)
    if problems:
        report = services.report_edit(actor=user, report=report, problems=problems)
    if submit:
        report = services.report_submit(actor=user, report=report)
    return report


def test_the_deadline_is_policy_data_per_level():
    assert rule("command.daily_report_deadline").value == ["16:00", "17:00", "18:00", "19:00"]


def test_the_street_compiles_its_communities_with_one_click(clock, city, second, people):
    a = community_report(
        people["community"], city.home.community, figures={"cases.awaiting": 2, "zoning.in_force": 1}, problems="缺少采样人员"
    )
    b = community_report(people["community2"], second.community, figures={"cases.awaiting": 3}, problems="物资不足")
    street = services.report_open(actor=people["street"], level="street", place_id=city.home.street.pk, date=DAY)
    street = services.report_compile(actor=people["street"], report=street)
    assert street.figures == {"cases.awaiting": 5, "zoning.in_force": 1}
    assert street.problems == f"【{second.community.name}】物资不足\n【{city.home.community.name}】缺少采样人员" or street.problems == (
        f"【{city.home.community.name}】缺少采样人员\n【{second.community.name}】物资不足"
    )
    assert {r.compiled_into_id for r in DailyReport.objects.filter(pk__in=[a.pk, b.pk])} == {street.pk}
    event = AuditEvent.objects.get(event_type=DailyReportEvent.COMPILED)
    assert event.after["submitted"] == 2
    # The street edits the compiled text, then submits.
    street = services.report_edit(actor=people["street"], report=street, next_steps="明日完成第二轮筛查")
    street = services.report_submit(actor=people["street"], report=street)
    assert street.status == ReportStatus.SUBMITTED and not street.late


def test_a_unit_not_submitted_is_left_out_and_listed(clock, city, second, people):
    community_report(people["community"], city.home.community, figures={"cases.awaiting": 2})
    community_report(people["community2"], second.community, figures={"cases.awaiting": 7}, submit=False)
    street = services.report_open(actor=people["street"], level="street", place_id=city.home.street.pk, date=DAY)
    street = services.report_compile(actor=people["street"], report=street)
    assert street.figures == {"cases.awaiting": 2}
    states = {u.place.pk: u for u in unit_states(user=people["street"], report=street)}
    assert states[city.home.community.pk].state == UnitState.ON_TIME
    assert states[second.community.pk].state == UnitState.DRAFT and not states[second.community.pk].overdue
    clock.move_to(at(16, 30))
    states = {u.place.pk: u for u in unit_states(user=people["street"], report=street)}
    assert states[second.community.pk].overdue


def test_a_report_after_the_deadline_is_marked_late(clock, city, second, people):
    on_time = community_report(people["community"], city.home.community, figures={})
    clock.move_to(at(16, 1))
    late = community_report(people["community2"], second.community, figures={})
    assert not on_time.late and late.late
    assert AuditEvent.objects.filter(event_type=DailyReportEvent.SUBMITTED, object_id=str(late.pk)).get().after["late"] is True


def test_a_report_submitted_twice_is_refused_naming_the_field(clock, city, people):
    report = community_report(people["community"], city.home.community, figures={})
    first = report.submitted_at
    clock.move_to(at(15, 30))
    with pytest.raises(DomainError) as exc:
        services.report_submit(actor=people["community"], report=report)
    assert exc.value.field == "status" and "不能重复报送" in exc.value.message
    report.refresh_from_db()
    assert report.submitted_at == first
    assert AuditEvent.objects.filter(event_type=DailyReportEvent.SUBMITTED).count() == 1


def test_a_report_compiled_above_cannot_change_until_reopened(clock, city, people):
    report = community_report(people["community"], city.home.community, figures={"cases.awaiting": 1}, problems="原文")
    street = services.report_open(actor=people["street"], level="street", place_id=city.home.street.pk, date=DAY)
    services.report_compile(actor=people["street"], report=street)
    report.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.report_edit(actor=people["community"], report=report, problems="改过的", needs="新的")
    assert exc.value.field == "problems" and city.home.street.name in exc.value.message
    report.refresh_from_db()
    assert (report.problems, report.needs) == ("原文", "")
    with pytest.raises(DomainError) as exc:
        services.report_refill(actor=people["community"], report=report)
    assert exc.value.field == "figures"


def test_reopening_is_the_level_above_audited_action(clock, city, people):
    report = community_report(people["community"], city.home.community, figures={"cases.awaiting": 1}, problems="原文")
    street = services.report_open(actor=people["street"], level="street", place_id=city.home.street.pk, date=DAY)
    street = services.report_compile(actor=people["street"], report=street)
    with pytest.raises(PermissionRefused):
        services.report_reopen(actor=people["community"], report=report, reason="自己退回")
    with pytest.raises(DomainError) as exc:
        services.report_reopen(actor=people["street"], report=report, reason=" ")
    assert exc.value.field == "reason"
    report = services.report_reopen(actor=people["street"], report=report, reason="数据有误，请核实")
    assert report.status == ReportStatus.DRAFT and report.compiled_into_id is None
    event = AuditEvent.objects.get(event_type=DailyReportEvent.REOPENED)
    assert event.reason == "数据有误，请核实" and event.actor == people["street"]
    clock.move_to(at(16, 30))
    report = services.report_edit(actor=people["community"], report=report, problems="已核实")
    report = services.report_submit(actor=people["community"], report=report)
    assert not report.late  # decided at the first submission
    street = services.report_compile(actor=people["street"], report=street)
    assert "已核实" in street.problems


def test_a_unit_cannot_be_reopened_once_the_level_above_submitted(clock, city, people):
    report = community_report(people["community"], city.home.community, figures={})
    street = services.report_open(actor=people["street"], level="street", place_id=city.home.street.pk, date=DAY)
    street = services.report_submit(actor=people["street"], report=services.report_compile(actor=people["street"], report=street))
    with pytest.raises(DomainError) as exc:
        services.report_reopen(actor=people["street"], report=report, reason="再改")
    assert exc.value.field == "compiled_into"
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_community_cannot_open_or_submit_another_community_report(clock, city, second, people):
    theirs = community_report(people["community2"], second.community, figures={}, submit=False)
    with pytest.raises(PermissionRefused):
        services.report_submit(actor=people["community"], report=theirs)
    with pytest.raises(PermissionRefused):
        services.report_open(actor=people["community"], level="community", place_id=second.community.pk, date=DAY)
    with pytest.raises(PermissionRefused):  # the street does not fill in its communities' reports
        services.report_open(actor=people["street"], level="community", place_id=second.community.pk, date=DAY)
    theirs.refresh_from_db()
    assert theirs.status == ReportStatus.DRAFT


def test_a_report_for_a_future_day_is_refused(clock, city, people):
    import datetime as dt

    with pytest.raises(DomainError) as exc:
        services.report_open(actor=people["community"], level="community", place_id=city.home.community.pk, date=DAY + dt.timedelta(days=1))
    assert exc.value.field == "date"


def test_reports_on_time_per_unit_over_a_period(clock, city, second, people):
    import datetime as dt

    community_report(people["community"], city.home.community, figures={})
    clock.move_to(at(17))
    community_report(people["community2"], second.community, figures={})
    rows = {r.place_id: r for r in reports_on_time(user=people["street"], level="community", start=DAY - dt.timedelta(days=1), end=DAY)}
    home, new = rows[city.home.community.pk], rows[second.community.pk]
    assert (home.days, home.on_time, home.late, home.missing) == (2, 1, 0, 1)
    assert (new.days, new.on_time, new.late, new.missing) == (2, 0, 1, 1)
    assert len(home.report_ids) == 1
    assert city.elsewhere.community.pk not in rows  # outside the street
