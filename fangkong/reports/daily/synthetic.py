"""The demo's day of daily reports (yesterday, Beijing): every community's figures filled in from
the system, most communities submitted on time, some late, some left in draft, some missing; about
half the streets compiled their communities and submitted — but not the demo street (中山东路街道),
whose office compiles with one click in the demo, nor any district. Written in bulk, one audit event
for the batch; skipped when yesterday's reports exist."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from fangkong.audit.services import audit_record
from fangkong.core.scoping import CITY_WIDE
from fangkong.geo.models import Community, Street

from .choices import ReportLevel, ReportStatus
from .deadlines import deadline_for
from .events import DailyReportEvent
from .figures import figures_by_place, summed
from .models import DailyReport
from .places import Place
from .services import TEXT_FIELDS, gathered

DEMO_STREET = "中山东路街道"
PROBLEMS = [
    "个别小区出入口值守人员不足，夜间存在空岗。",
    "部分独居老人核酸检测需上门采样，采样力量紧张。",
    "封控楼栋生活物资配送时间不固定，居民反映较多。",
    "",
]
NEEDS = ["请求增派志愿者10名。", "需补充防护服200套、N95口罩500个。", "请协调上门采样队伍1支。", ""]
NEXT_STEPS = [
    "继续做好封控楼栋物资配送和特殊困难群体帮扶。",
    "明日组织第二轮敲门行动，确保不漏一户、不落一人。",
    "落实包联干部值守责任，做到24小时在岗。",
]


def daily_reports_generate(*, seed: int = 2022, date: dt.date | None = None) -> dict[str, int]:
    date = date or timezone.localdate() - dt.timedelta(days=1)
    if DailyReport.objects.filter(date=date).exists():
        return {}
    rng = random.Random(seed)
    figures = figures_by_place(user=CITY_WIDE, level=ReportLevel.COMMUNITY, date=date)
    community_due = deadline_for(ReportLevel.COMMUNITY, date)
    street_due = deadline_for(ReportLevel.STREET, date)
    stats = {"on_time": 0, "late": 0, "draft": 0, "missing": 0, "streets": 0}
    by_street: dict[int, list[DailyReport]] = {}
    rows = []
    for c in Community.objects.select_related("street").order_by("pk"):
        roll = rng.random()
        outcome = "on_time" if roll < 0.6 else "late" if roll < 0.8 else "draft" if roll < 0.9 else "missing"
        if c.street.name == DEMO_STREET and outcome == "draft":
            outcome = "missing"
        stats[outcome] += 1
        if outcome == "missing":
            continue
        submitted = None
        if outcome == "on_time":
            submitted = community_due - dt.timedelta(minutes=rng.randint(5, 240))
        elif outcome == "late":
            submitted = community_due + dt.timedelta(minutes=rng.randint(5, 150))
        report = DailyReport(
            date=date,
            level=ReportLevel.COMMUNITY,
            place_key=f"community:{c.pk}",
            place_name=c.name,
            district_id=c.district_id,
            street_id=c.street_id,
            community_id=c.pk,
            status=ReportStatus.SUBMITTED if submitted else ReportStatus.DRAFT,
            figures=figures.get(c.pk, {}),
            problems=rng.choice(PROBLEMS),
            needs=rng.choice(NEEDS),
            next_steps=rng.choice(NEXT_STEPS),
            deadline=community_due,
            submitted_at=submitted,
            first_submitted_at=submitted,
            late=outcome == "late",
        )
        rows.append(report)
        by_street.setdefault(c.street_id, []).append(report)
    with transaction.atomic():
        DailyReport.objects.bulk_create(rows, batch_size=500)
        for street in Street.objects.order_by("pk"):
            if street.name == DEMO_STREET or rng.random() < 0.5:
                continue
            units = by_street.get(street.pk, [])
            taken = [r for r in units if r.status == ReportStatus.SUBMITTED]
            pairs = [(Place(ReportLevel.COMMUNITY, r.community_id, r.place_name), r) for r in units]
            at = street_due - dt.timedelta(minutes=rng.randint(5, 50))
            compiled = DailyReport.objects.create(
                date=date,
                level=ReportLevel.STREET,
                place_key=f"street:{street.pk}",
                place_name=street.name,
                district_id=street.district_id,
                street_id=street.pk,
                status=ReportStatus.SUBMITTED,
                figures=summed(taken),
                deadline=street_due,
                submitted_at=at,
                first_submitted_at=at,
                compiled_at=at - dt.timedelta(minutes=5),
                **{name: gathered(pairs, name) for name in TEXT_FIELDS},
            )
            DailyReport.objects.filter(pk__in=[r.pk for r in taken]).update(compiled_into=compiled)
            stats["streets"] += 1
        audit_record(
            actor=None,
            event_type=DailyReportEvent.SUBMITTED,
            object_type="reports.dailyreport",
            object_repr=f"demo {date}",
            count=len(rows),
            after=stats,
        )
    return stats


def format_stats(stats: dict[str, int]) -> str:
    if not stats:
        return "日报已存在，跳过 / daily reports exist: kept"
    return (
        f"社区日报：按时 {stats['on_time']}，逾期 {stats['late']}，未报送（草稿）{stats['draft']}，未填报 {stats['missing']}；"
        f"已汇总报送的街道 {stats['streets']}"
    )
