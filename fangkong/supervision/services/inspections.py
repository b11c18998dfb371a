"""Recording an inspection (督导检查) on a phone: the checklist's answers, the findings with their
photos (each becomes a rectification, 整改), GPS when the phone gives it. Everything is checked
before anything is written: one refusal, naming its field, and nothing is kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_in_future
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.timefmt import local_minutes

from ..choices import Answer
from ..events import SupervisionEvent
from ..models import Assignment, ChecklistAnswer, ChecklistItem, Inspection, Rectification
from ..owners import owner_unit, owners_for
from ..permissions import SupervisionCap
from ..photos import photo_checked, photo_name
from ..scope import assignments_visible

ASSIGNMENT_RULE = "supervision.assignment"
FINDING_RULE = "supervision.finding"


@dataclass
class FindingInput:
    text: str
    owner: Any
    deadline: dt.datetime
    photo: Any = None
    item_id: int | None = None


def assignment_checked(actor: Any, assignment_id: int, at: dt.datetime) -> Assignment:
    assignment = assignments_visible(actor).filter(pk=assignment_id).first()
    if assignment is None:
        raise DomainError(_("该点位不在您所在督导组的分派范围内，不能记录检查"), rule=ASSIGNMENT_RULE, field="assignment")
    day = timezone.localtime(at).date()
    if not assignment.covers(day):
        raise DomainError(
            _("检查日期 %(d)s 不在该点位的分派期内（%(s)s 起）") % {"d": day, "s": assignment.starts_on},
            rule=ASSIGNMENT_RULE,
            field="inspected_at",
        )
    return assignment


def _answers_checked(assignment: Assignment, answers: dict[int, str]) -> list[tuple[ChecklistItem, str]]:
    items = list(ChecklistItem.objects.filter(place_kind=assignment.place_kind, active=True))
    known = {i.pk for i in items}
    stray = set(answers) - known
    if stray:
        raise DomainError(_("检查项不属于该类点位的检查表"), rule=FINDING_RULE, field="answers")
    missing = [i.text for i in items if answers.get(i.pk) not in Answer.values]
    if missing:
        raise DomainError(_("请逐项填写检查表：%(items)s") % {"items": "；".join(missing)}, rule=FINDING_RULE, field="answers")
    return [(i, answers[i.pk]) for i in items]


def _findings_checked(assignment: Assignment, at: dt.datetime, actor: Any, findings: list[FindingInput], failed: list) -> list[str]:
    if failed and not findings:
        raise DomainError(
            _("有不符合项（%(items)s），请记录发现的问题") % {"items": "；".join(i.text for i in failed)},
            rule=FINDING_RULE,
            field="finding",
        )
    owners = owners_for(district_id=assignment.district_id, street_id=assignment.street_id, community_id=assignment.community_id)
    allowed = set(owners.values_list("pk", flat=True))
    types = []
    for f in findings:
        if not (f.text or "").strip():
            raise DomainError(_("请写明发现的问题"), rule=FINDING_RULE, field="finding")
        if f.owner is None or f.owner.pk not in allowed:
            raise DomainError(_("责任人须为管辖该点位的防控办或社区工作人员"), rule=FINDING_RULE, field="owner")
        if f.owner.pk == actor.pk:
            raise DomainError(_("督导人员不能担任自己发现问题的责任人"), rule=FINDING_RULE, field="owner")
        deadline = aware(f.deadline, field="deadline")
        if deadline <= at:
            raise DomainError(
                _("整改时限 %(d)s 须晚于检查时间 %(a)s") % {"d": local_minutes(deadline), "a": local_minutes(at)},
                rule="time.order",
                field="deadline",
            )
        types.append(photo_checked(f.photo, field="photo", label=_("问题照片")) if f.photo else "")
    return types


def _gps_checked(latitude: Decimal | None, longitude: Decimal | None) -> None:
    if (latitude is None) != (longitude is None):
        raise DomainError(_("定位须同时有纬度和经度"), field="latitude")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise DomainError(_("定位超出范围"), field="latitude")


@transaction.atomic
def inspection_record(
    *,
    actor: Any,
    assignment_id: int,
    inspected_at: dt.datetime,
    answers: dict[int, str],
    findings: list[FindingInput] = (),
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    note: str = "",
) -> Inspection:
    require(actor, SupervisionCap.INSPECT)
    at = aware(inspected_at, field="inspected_at")
    not_in_future(at, field="inspected_at", label=_("检查时间"))
    assignment = assignment_checked(actor, assignment_id, at)
    checked = _answers_checked(assignment, answers)
    failed = [item for item, answer in checked if answer == Answer.FAIL]
    findings = list(findings)
    photo_types = _findings_checked(assignment, at, actor, findings, failed)
    _gps_checked(latitude, longitude)

    places = {"district_id": assignment.district_id, "street_id": assignment.street_id, "community_id": assignment.community_id}
    inspection = Inspection.objects.create(
        assignment=assignment, inspector=actor, inspected_at=at, latitude=latitude, longitude=longitude, note=note, **places
    )
    ChecklistAnswer.objects.bulk_create([ChecklistAnswer(inspection=inspection, item=i, answer=a) for i, a in checked])
    for f, kind in zip(findings, photo_types, strict=True):
        rect = Rectification(
            inspection=inspection,
            item_id=f.item_id if f.item_id in {i.pk for i, _a in checked} else None,
            finding=f.text.strip(),
            owner=f.owner,
            owner_unit=owner_unit(f.owner, **places) or assignment.place_name,
            deadline=f.deadline,
            finding_photo_type=kind,
            **places,
        )
        if f.photo:
            rect.finding_photo.save(photo_name(kind), f.photo, save=False)
        rect.save()
    audit_record(
        actor=actor,
        event_type=SupervisionEvent.INSPECTION_RECORDED,
        obj=inspection,
        after={"assignment": assignment.pk, "failed": len(failed), "findings": len(findings), "gps": latitude is not None},
    )
    return inspection
