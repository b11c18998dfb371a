"""A daily report as an official document (公文格式): the title, the date, the issuing unit, then
numbered sections 一、二、三 … — the day's figures as a table by step, the units' submission (for a
level that compiles), each text section — and, for the figures workbook, one row per unit. The .docx
and PDF writers (render_docx, render_pdf) lay this out; nothing here knows a file format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.timefmt import local_minutes

from .choices import CHILD, TEXT_SECTIONS, ReportLevel
from .figures import catalogue
from .models import DailyReport
from .selectors import unit_states

NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    widths: list[float] = field(default_factory=list)  # relative column widths


@dataclass(frozen=True)
class Section:
    heading: str  # "一、今日主要数据"
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass(frozen=True)
class Document:
    title: str
    date_line: str
    issuer: str
    status_line: str
    sections: list[Section]


def chinese_date(d: Any) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def figures_table(report: DailyReport) -> Table:
    values = report.figures or {}
    rows = [[f.step, f.label, str(values.get(f.key, 0))] for f in catalogue()]
    return Table([_("环节"), _("指标"), _("数值")], rows, [1, 3, 1])


def document_of(*, user: Any, report: DailyReport) -> Document:
    headings = [_("今日主要数据")]
    sections_content: list[tuple[list[str], Table | None]] = [([], figures_table(report))]
    if report.level in CHILD:
        units = unit_states(user=user, report=report)
        rows = [
            [u.place.name, u.label, local_minutes(u.report.submitted_at, blank="") if u.report else "", _("是") if u.compiled else ""]
            for u in units
        ]
        submitted = sum(1 for u in units if u.report is not None and u.report.submitted_at)
        summary = _("下级单位 %(n)s 个，已报送 %(s)s 个，未报送 %(m)s 个。") % {
            "n": len(units),
            "s": submitted,
            "m": len(units) - submitted,
        }
        headings.append(_("下级单位报送情况"))
        sections_content.append(([summary], Table([_("单位"), _("状态"), _("报送时间"), _("已汇总")], rows, [3, 2, 2, 1])))
    for name, label in TEXT_SECTIONS:
        text = (getattr(report, name) or "").strip()
        headings.append(str(label))
        sections_content.append(([line for line in text.splitlines() if line.strip()] or [_("无。")], None))
    sections = [
        Section(f"{NUMERALS[i]}、{heading}", paragraphs, table)
        for i, (heading, (paragraphs, table)) in enumerate(zip(headings, sections_content, strict=True))
    ]
    place = report.place_name
    title = _("%(place)s疫情防控工作日报") % {"place": place}
    status = _("已报送 %(at)s") % {"at": local_minutes(report.submitted_at)} if report.submitted_at else _("未报送（草稿）")
    if report.late:
        status += _("（逾期）")
    issuer = _("报送单位：%(place)s") % {"place": place if report.level != ReportLevel.CITY else _("市疫情防控指挥部")}
    return Document(title, chinese_date(report.date), issuer, status, sections)


def unit_figures_rows(*, user: Any, report: DailyReport) -> tuple[list[str], list[list[Any]]]:
    """For the workbook: one row per unit (its figures as reported) and the report's own total."""
    labels = catalogue()
    headers = [_("单位"), _("状态")] + [f"{f.step} {f.label}" for f in labels]
    rows: list[list[Any]] = []
    for u in unit_states(user=user, report=report):
        values = (u.report.figures if u.report else {}) or {}
        rows.append([u.place.name, u.label] + [values.get(f.key, 0) if u.report else None for f in labels])
    rows.append(
        [_("合计：%(place)s") % {"place": report.place_name}, report.get_status_display()]
        + [(report.figures or {}).get(f.key, 0) for f in labels]
    )
    return headers, rows
