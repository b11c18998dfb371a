"""Every write of the daily reports: open (filled in from the system), edit the texts, refill the
figures, submit, compile the units' reports, reopen a unit's report. Each is atomic, checks the
report's state under a row lock and writes one audit event; a refusal names the field and changes
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.timefmt import local_minutes
from fangkong.policy.regimen import local_date

from . import figures as day_figures
from .choices import CHILD, PARENT, TEXT_SECTIONS, ReportLevel, ReportStatus
from .deadlines import RULE as DEADLINE_RULE
from .deadlines import deadline_for
from .events import DailyReportEvent
from .models import DailyReport
from .permissions import DailyCap
from .places import SCOPE, Place, files_for, place_of, require_files_for, units_of

STATE_RULE = "reports.daily.state"
TEXT_MAX = 4000
TEXT_FIELDS = tuple(name for name, _label in TEXT_SECTIONS)


def _locked(report: DailyReport) -> DailyReport:
    return DailyReport.objects.select_for_update().get(pk=report.pk)


def _texts(report: DailyReport) -> dict[str, str]:
    return {name: getattr(report, name) for name in TEXT_FIELDS}


def _check_day(date: dt.date) -> None:
    if date > local_date(timezone.now()):
        raise DomainError(_("日报日期不能晚于今天"), field="date", rule="time.not_in_future")


def report_open(*, actor: Any, level: str, place_id: int | None, date: dt.date, filled: dict[str, int] | None = None) -> DailyReport:
    """The place's report for the day, created as a draft with the day's figures filled in from the
    system when there is none yet (`filled`: figures already counted, for filling many at once)."""
    require(actor, DailyCap.WRITE)
    place = place_of(level, place_id)
    require_files_for(actor, place)
    _check_day(date)
    existing = DailyReport.objects.filter(date=date, place_key=place.key).first()
    if existing is not None:
        return existing
    values = filled if filled is not None else day_figures.place_figures(user=actor, level=place.level, place_id=place.pk, date=date)
    try:
        with transaction.atomic():
            report = DailyReport.objects.create(
                date=date,
                level=place.level,
                place_key=place.key,
                place_name=place.name,
                deadline=deadline_for(place.level, date),
                figures=values,
                **place.ids,
            )
            audit_record(actor=actor, event_type=DailyReportEvent.OPENED, obj=report, after={"date": str(date), "level": place.level})
    except IntegrityError:  # opened at the same moment by a colleague: theirs is the report
        return DailyReport.objects.get(date=date, place_key=place.key)
    return report


def _writable(report: DailyReport, *, field: str) -> None:
    """Refuse a change to a submitted report or one compiled into the level above, naming `field`."""
    if report.compiled_into_id is not None:
        raise DomainError(
            _("本日报已汇总进“%(parent)s”的日报，修改“%(field)s”前须由上一级退回")
            % {"parent": report.compiled_into.place_name, "field": DailyReport._meta.get_field(field).verbose_name},
            field=field,
            rule=STATE_RULE,
        )
    if report.status == ReportStatus.SUBMITTED:
        raise DomainError(
            _("本日报已于 %(at)s 报送，不能再修改“%(field)s”；须由上一级退回后修改")
            % {"at": local_minutes(report.submitted_at), "field": DailyReport._meta.get_field(field).verbose_name},
            field=field,
            rule=STATE_RULE,
        )


def report_edit(*, actor: Any, report: DailyReport, **texts: str) -> DailyReport:
    """Change the free-text sections (problems, needs, next_steps)."""
    require(actor, DailyCap.WRITE)
    require_files_for(actor, place_of(report.level, report.place_id))
    unknown = set(texts) - set(TEXT_FIELDS)
    if unknown:
        raise DomainError(_("没有这一栏：%(v)s") % {"v": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    cleaned = {}
    for name, value in texts.items():
        value = (value or "").strip()
        if len(value) > TEXT_MAX:
            label = DailyReport._meta.get_field(name).verbose_name
            raise DomainError(_("“%(field)s”不能超过 %(n)s 个字") % {"field": label, "n": TEXT_MAX}, field=name)
        cleaned[name] = value
    with transaction.atomic():
        report = _locked(report)
        before = _texts(report)
        changed = [name for name, value in cleaned.items() if before[name] != value]
        if not changed:
            return report
        _writable(report, field=changed[0])
        for name in changed:
            setattr(report, name, cleaned[name])
        report.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            event_type=DailyReportEvent.EDITED,
            obj=report,
            before={k: len(before[k]) for k in changed},
            after={k: len(cleaned[k]) for k in changed},  # lengths: the text itself stays in the report
        )
    return report


def report_refill(*, actor: Any, report: DailyReport) -> DailyReport:
    """Read the day's figures from the system again (a draft not compiled from units)."""
    require(actor, DailyCap.WRITE)
    place = place_of(report.level, report.place_id)
    require_files_for(actor, place)
    with transaction.atomic():
        report = _locked(report)
        _writable(report, field="figures")
        values = day_figures.place_figures(user=actor, level=place.level, place_id=place.pk, date=report.date)
        before = dict(report.figures)
        report.figures = values
        report.compiled_at = None
        report.save(update_fields=["figures", "compiled_at", "updated_at"])
        audit_record(actor=actor, event_type=DailyReportEvent.REFILLED, obj=report, before=before, after=values)
    return report


def report_submit(*, actor: Any, report: DailyReport) -> DailyReport:
    """Submit to the level above; late when after the policy's deadline (decided at the first submission)."""
    require(actor, DailyCap.WRITE)
    require_files_for(actor, place_of(report.level, report.place_id))
    now = timezone.now()
    with transaction.atomic():
        report = _locked(report)
        if report.status == ReportStatus.SUBMITTED:
            raise DomainError(
                _("本日报已于 %(at)s 报送，不能重复报送") % {"at": local_minutes(report.submitted_at)}, field="status", rule=STATE_RULE
            )
        if report.compiled_into_id is not None:
            _writable(report, field="status")
        report.status = ReportStatus.SUBMITTED
        report.submitted_at = now
        report.submitted_by = actor if getattr(actor, "is_authenticated", False) else None
        if report.first_submitted_at is None:
            report.first_submitted_at = now
            report.late = now > report.deadline
        report.save(update_fields=["status", "submitted_at", "submitted_by", "first_submitted_at", "late", "updated_at"])
        audit_record(
            actor=actor,
            event_type=DailyReportEvent.SUBMITTED,
            obj=report,
            after={"late": report.late, "deadline": local_minutes(report.deadline), "rule": DEADLINE_RULE},
        )
    return report


def gathered(units: list[tuple[Place, DailyReport | None]], name: str) -> str:
    parts = []
    for place, report in units:
        text = (getattr(report, name) or "").strip() if report is not None and report.status == ReportStatus.SUBMITTED else ""
        if text:
            parts.append(f"【{place.name}】{text}")
    return "\n".join(parts)


def report_compile(*, actor: Any, report: DailyReport) -> DailyReport:
    """Take in the units' submitted reports of the day with one click: figures summed, each text
    section gathered under each unit's name, the units marked as compiled (locked until reopened).
    Units not yet submitted are left out (the page lists them); compiling again takes in the
    units submitted since, replacing the figures and the gathered texts."""
    require(actor, DailyCap.WRITE)
    place = place_of(report.level, report.place_id)
    require_files_for(actor, place)
    if report.level not in CHILD:
        raise DomainError(_("社区日报没有下级单位可汇总"), field="level", rule=STATE_RULE)
    units = units_of(place)
    with transaction.atomic():
        report = _locked(report)
        _writable(report, field="figures")
        by_key = {
            r.place_key: r for r in DailyReport.objects.select_for_update().filter(date=report.date, place_key__in=[u.key for u in units])
        }
        pairs = [(u, by_key.get(u.key)) for u in units]
        taken = [r for _u, r in pairs if r is not None and r.status == ReportStatus.SUBMITTED]
        before = {"figures": dict(report.figures), **{k: len(v) for k, v in _texts(report).items()}}
        report.figures = day_figures.summed(taken)
        for name in TEXT_FIELDS:
            setattr(report, name, gathered(pairs, name))
        report.compiled_at = timezone.now()
        report.save(update_fields=["figures", *TEXT_FIELDS, "compiled_at", "updated_at"])
        DailyReport.objects.filter(pk__in=[r.pk for r in taken]).update(compiled_into=report, updated_at=report.compiled_at)
        audit_record(
            actor=actor,
            event_type=DailyReportEvent.COMPILED,
            obj=report,
            count=len(taken),
            before=before,
            after={"units": len(units), "submitted": len(taken), "missing": len(units) - len(taken)},
        )
    return report


def report_reopen(*, actor: Any, report: DailyReport, reason: str) -> DailyReport:
    """The level above sends a unit's submitted report back to be changed (audited, with a reason).
    Refused while the level above's own report that took it in is submitted: that one is reopened first."""
    require(actor, DailyCap.WRITE)
    parent_level = PARENT.get(report.level)  # type: ignore[call-overload]
    if parent_level is None:
        raise DomainError(_("市指挥部日报没有上一级，不能退回"), field="level", rule=STATE_RULE)
    parent_pk = None if parent_level == ReportLevel.CITY else getattr(report, f"{parent_level}_id")
    if not files_for(actor, parent_level, parent_pk):
        raise PermissionRefused(_("只有上一级可以退回“%(place)s”的日报") % {"place": report.place_name}, rule=SCOPE, field="report")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写退回原因"), field="reason")
    if len(reason) > 500:
        raise DomainError(_("退回原因不能超过 500 个字"), field="reason")
    with transaction.atomic():
        report = _locked(report)
        if report.status != ReportStatus.SUBMITTED:
            raise DomainError(_("本日报尚未报送，无需退回"), field="status", rule=STATE_RULE)
        parent = report.compiled_into
        if parent is not None and parent.status == ReportStatus.SUBMITTED:
            raise DomainError(
                _("“%(parent)s”的日报已报送，须先由其上一级退回，才能退回下级日报") % {"parent": parent.place_name},
                field="compiled_into",
                rule=STATE_RULE,
            )
        before = {"status": report.status, "compiled_into": parent.pk if parent else None}
        report.status = ReportStatus.DRAFT
        report.compiled_into = None
        report.save(update_fields=["status", "compiled_into", "updated_at"])
        audit_record(
            actor=actor,
            event_type=DailyReportEvent.REOPENED,
            obj=report,
            before=before,
            after={"status": report.status},
            reason=reason,
        )
    return report
