"""The demo's day of reports: yesterday's community reports written once (a second run keeps them),
each with its state consistent (late ⇔ submitted after the deadline), the compiled streets' figures
the sum of their submitted communities', and the demo street left for its office to compile."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.geo.models import Community
from fangkong.reports.daily.choices import ReportLevel, ReportStatus
from fangkong.reports.daily.figures import summed
from fangkong.reports.daily.models import DailyReport
from fangkong.reports.daily.synthetic import DEMO_STREET, daily_reports_generate

from ...factories import make_tree

pytestmark = [pytest.mark.django_db]


def test_the_demo_day_of_reports(city):
    for i in range(12):
        make_tree(district_code="150103", street=f"演示{i % 3}街道", community=f"演示{i}社区", compound=f"演示{i}小区")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    stats = daily_reports_generate(seed=3)
    total = Community.objects.count()
    assert sum(stats[k] for k in ("on_time", "late", "draft", "missing")) == total
    communities = DailyReport.objects.filter(date=yesterday, level=ReportLevel.COMMUNITY)
    assert communities.count() == total - stats["missing"]
    for r in communities:
        if r.status == ReportStatus.SUBMITTED:
            assert r.late == (r.submitted_at > r.deadline)
    for street in DailyReport.objects.filter(date=yesterday, level=ReportLevel.STREET):
        assert street.place_name != DEMO_STREET
        taken = list(DailyReport.objects.filter(compiled_into=street))
        assert street.figures == summed(taken) and all(r.status == ReportStatus.SUBMITTED for r in taken)
    assert daily_reports_generate(seed=3) == {}
