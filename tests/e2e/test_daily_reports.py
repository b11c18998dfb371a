"""日报 in a real browser: a street office opens the day's reports, sees which communities have
submitted and which have not, compiles its communities' reports with one click (figures summed,
texts under each community's name), writes its next steps and submits to the district. With
FANGKONG_SCREENSHOTS=1 the run saves the screenshots of docs/user-guide/daily-reports.md."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from fangkong.core.roles import Role
from fangkong.reports.daily import services
from fangkong.reports.daily.choices import ReportStatus
from fangkong.reports.daily.models import DailyReport

from ..factories import make_tree, make_user
from .test_registry import PASSWORD, ensure_districts, log_in, shot

pytestmark = pytest.mark.e2e


def test_a_street_compiles_its_communities_reports_and_submits(transactional_db, live_server, page):
    base = live_server.url
    ensure_districts()
    home = make_tree()
    second = make_tree(community="新华社区", compound="新华小区")
    third = make_tree(community="锡林社区", compound="锡林小区")
    make_user("jiedao", Role.STREET_OFFICE, [("street", home.street)], password=PASSWORD)
    today = timezone.localdate()
    for tree, figures, problem in (
        (home, {"cases.awaiting": 2}, "出入口值守人员不足"),
        (second, {"cases.awaiting": 3}, "独居老人需上门采样"),
    ):
        worker = make_user(f"c{tree.community.pk}", Role.COMMUNITY_WORKER, [("community", tree.community)], password=PASSWORD)
        report = services.report_open(actor=worker, level="community", place_id=tree.community.pk, date=today, filled=figures)
        report = services.report_edit(actor=worker, report=report, problems=problem)
        services.report_submit(actor=worker, report=report)

    log_in(page, base, "jiedao")
    page.goto(f"{base}/reports/daily/")
    expect(page.locator(f'[data-unit="community:{third.community.pk}"]')).to_contain_text("未报送")
    expect(page.locator(f'[data-unit="community:{second.community.pk}"]')).to_contain_text("报送")
    shot(page, "daily-reports-day.png")
    page.get_by_role("button", name="填报日报").click()
    page.locator("#daily-compile").click()
    expect(page.locator('[data-figure="cases.awaiting"] td').last).to_have_text("5")
    expect(page.locator("#id_problems")).to_have_value("【新华社区】独居老人需上门采样\n【迎宾南路社区】出入口值守人员不足")
    page.fill("#id_next_steps", "明日组织锡林社区补报，开展第二轮敲门行动")
    page.locator("#daily-save").click()
    expect(page.locator(".alert", has_text="已保存")).to_be_visible()  # the save's page, before submitting
    shot(page, "daily-report-street.png")
    page.locator("#daily-submit").click()
    expect(page.locator("#daily-status")).to_have_text("已报送")
    report = DailyReport.objects.get(level="street")
    assert report.status == ReportStatus.SUBMITTED and report.figures == {"cases.awaiting": 5}
    assert report.next_steps.startswith("明日组织锡林社区补报")
    assert DailyReport.objects.filter(compiled_into=report).count() == 2
