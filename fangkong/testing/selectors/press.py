"""The press-conference report of a round: the counts by district behind selectors.press_report's
paragraph, and its Excel export (audited as a data export; aggregate counts only, no personal data)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.spreadsheets import append_row
from fangkong.geo.models import District
from fangkong.results.choices import RESULTS_BACK
from fangkong.zoning.choices import FoundIn

from .. import selectors
from ..choices import PositiveStatus
from ..models import ConfirmedPositive, TestingRound, TubeMember
from ..selectors import PressReport


@dataclass
class DistrictRow:
    district_id: int | None
    code: str
    name: str
    sampled: int = 0
    resulted: int = 0
    positives: int = 0
    in_control: int = 0
    in_community: int = 0


def press_by_district(*, user: Any, testing_round: TestingRound) -> list[DistrictRow]:
    """Samples taken, samples with results, positives (split 隔离管控区域 / 社会面) per district, by code.

    Counted the same way as selectors.press_report: routine samples (re-tests aside) of the
    residents the user covers, positives not withdrawn."""
    rows: dict[int | None, DistrictRow] = {}

    def row(pk: int | None) -> DistrictRow:
        if pk not in rows:
            rows[pk] = DistrictRow(pk, "", "")
        return rows[pk]

    members = TubeMember.objects.covered_by(user).filter(round=testing_round, is_resample=False)
    for pk, n, back in (
        members.values_list("district_id").annotate(n=Count("id"), back=Count("id", filter=Q(tube__result__in=RESULTS_BACK))).order_by()
    ):
        r = row(pk)
        r.sampled, r.resulted = n, back
    positives = ConfirmedPositive.objects.covered_by(user).filter(round=testing_round).exclude(status=PositiveStatus.WITHDRAWN)
    for pk, found_in, n in positives.values_list("district_id", "found_in").annotate(n=Count("id")).order_by():
        r = row(pk)
        r.positives += n
        if found_in == FoundIn.CONTROLLED:
            r.in_control += n
        else:
            r.in_community += n
    for pk, code, name in District.objects.filter(pk__in=[k for k in rows if k is not None]).values_list("pk", "code", "name"):
        rows[pk].code, rows[pk].name = code, name
    for r in rows.values():
        r.name = r.name or _("（未知）")
    return sorted(rows.values(), key=lambda r: (r.district_id is None, r.code))


def totals(rows: list[DistrictRow]) -> DistrictRow:
    t = DistrictRow(None, "", _("合计"))
    for r in rows:
        t.sampled += r.sampled
        t.resulted += r.resulted
        t.positives += r.positives
        t.in_control += r.in_control
        t.in_community += r.in_community
    return t


def export_filename(testing_round: TestingRound) -> str:
    return _("第%(n)s轮核酸检测通报.xlsx") % {"n": testing_round.number}


def press_report_export(*, actor: Any, testing_round: TestingRound) -> bytes:
    """The press report as an Excel workbook: the paragraph (中文 and English) and the counts by
    district. Audited (data.export) with the counts; aggregate counts only, no personal data."""
    rows = press_by_district(user=actor, testing_round=testing_round)
    total = totals(rows)
    report: PressReport = selectors.press_report(user=actor, testing_round=testing_round, counted=(total.sampled, total.resulted))
    generated = timezone.localtime()
    scope = _("全市") if jurisdiction_of(actor).city else _("本人管辖范围")

    wb = Workbook()
    text = wb.active
    text.title = _("通报")
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    append_row(text, [str(testing_round)])
    text["A1"].font = Font(bold=True, size=14)
    for label, value in (
        (_("中文"), report.zh),
        ("English", report.en),
        (_("统计范围"), scope),
        (_("生成时间"), generated.strftime("%Y-%m-%d %H:%M")),
    ):
        append_row(text, [label, value])
    for r in range(2, text.max_row + 1):
        text.cell(r, 1).font = bold
        text.cell(r, 2).alignment = wrap
    text.column_dimensions["A"].width = 14
    text.column_dimensions["B"].width = 100

    sheet = wb.create_sheet(_("分区县统计"))
    headers = [_("区县代码"), _("区县"), _("采样人份"), _("已出结果人份"), _("阳性"), _("其中隔离管控区域"), _("其中社会面")]
    append_row(sheet, headers)
    for r in [*rows, total]:
        append_row(sheet, [r.code, r.name, r.sampled, r.resulted, r.positives, r.in_control, r.in_community])
    for cell in sheet[1]:
        cell.font = bold
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for i, width in enumerate((10, 16, 12, 14, 8, 18, 12), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"

    buffer = io.BytesIO()
    wb.save(buffer)
    audit_record(
        actor=actor,
        event_type=EventType.EXPORT,
        obj=testing_round,
        count=len(rows),
        after={
            "report": "testing.press_report",
            "format": "xlsx",
            "round": testing_round.number,
            "districts": len(rows),
            "sampled": total.sampled,
            "resulted": total.resulted,
            "positives": total.positives,
            "in_control": total.in_control,
            "in_community": total.in_community,
        },
    )
    return buffer.getvalue()


def latest_round_at(at: dt.datetime) -> TestingRound | None:
    """The round the press conference reports at `at`: the last one started by then."""
    return TestingRound.objects.filter(starts_at__lt=at).order_by("-starts_at", "-number").first()


def press_report_at(*, user: Any, at: dt.datetime) -> PressReport | None:
    """The latest round's figures as they were known at `at` (a past day's press brief, reproducible):
    routine samples taken before `at`, of them those whose tube had its result before `at`; positives
    recorded before `at` (not withdrawn), by district, found in isolation or controlled areas (隔离管控
    区域: an isolation site, a risk area, in-place control) or in the community (社会面)."""
    testing_round = latest_round_at(at)
    if testing_round is None:
        return None
    members = TubeMember.objects.covered_by(user).filter(round=testing_round, is_resample=False, sampled_at__lt=at)
    counts = members.aggregate(n=Count("id"), back=Count("id", filter=Q(tube__result__in=RESULTS_BACK, tube__resulted_at__lt=at)))
    positives = (
        ConfirmedPositive.objects.covered_by(user)
        .filter(round=testing_round, created_at__lt=at, detected_at__lt=at)
        .exclude(status=PositiveStatus.WITHDRAWN)
    )
    by_district = list(positives.values_list("district__code", "district__name").annotate(n=Count("id")).order_by("district__code"))
    split = dict(positives.values_list("found_in").annotate(n=Count("id")).order_by())
    return PressReport(
        number=testing_round.number,
        sampled=counts["n"] or 0,
        resulted=counts["back"] or 0,
        positives=sum(n for _c, _name, n in by_district),
        by_district=[(name or _("（未知）"), n) for _c, name, n in by_district],
        in_control=split.get(FoundIn.CONTROLLED, 0) + split.get(FoundIn.ISOLATION_SITE, 0),
        in_community=split.get(FoundIn.COMMUNITY, 0),
    )
