"""A rectification's life (整改): the owner gives the evidence of the fix (text and photo), the
inspector verifies it (销号) or sends it back. The owner never verifies their own fix; nothing is
closed without evidence. Each move is checked against RECTIFICATION_TRANSITIONS and audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.transitions import check_transition

from ..choices import RECTIFICATION_TRANSITIONS, RectificationStatus
from ..events import SupervisionEvent
from ..models import Rectification
from ..permissions import SupervisionCap
from ..photos import photo_checked, photo_name
from ..scope import assignments_visible

EVIDENCE_RULE = "supervision.evidence"
VERIFY_RULE = "supervision.verify"


def _locked(rect: Rectification) -> Rectification:
    return Rectification.objects.select_for_update().get(pk=rect.pk)


@transaction.atomic
def rectification_fix(*, actor: Any, rectification: Rectification, evidence: str, photo: Any) -> Rectification:
    """The owner (or an office over the place) reports the fix, with its evidence."""
    require(actor, SupervisionCap.RECTIFY)
    rect = _locked(rectification)
    covers = jurisdiction_of(actor).covers_place(district_id=rect.district_id, street_id=rect.street_id, community_id=rect.community_id)
    if rect.owner_id != actor.pk and not covers:
        raise PermissionRefused(_("只有责任人或属地防控办可以提交整改证据"), rule=EVIDENCE_RULE)
    check_transition(
        RECTIFICATION_TRANSITIONS,
        rect.status,
        RectificationStatus.SUBMITTED,
        labels=RectificationStatus,
        what=_("该整改"),
        action=_("提交整改证据"),
        rule="supervision.transition",
    )
    if not (evidence or "").strip():
        raise DomainError(_("请写明整改情况（整改证据）"), rule=EVIDENCE_RULE, field="evidence")
    if not photo:
        raise DomainError(_("请上传整改后的照片（整改证据）"), rule=EVIDENCE_RULE, field="photo")
    kind = photo_checked(photo, field="photo", label=_("整改照片"))
    before = {"status": rect.status}
    rect.evidence = evidence.strip()
    rect.evidence_photo.save(photo_name(kind), photo, save=False)
    rect.evidence_photo_type = kind
    rect.status = RectificationStatus.SUBMITTED
    rect.fixed_at = now()
    rect.fixed_by = actor
    rect.save(update_fields=["evidence", "evidence_photo", "evidence_photo_type", "status", "fixed_at", "fixed_by", "updated_at"])
    audit_record(actor=actor, event_type=SupervisionEvent.RECTIFICATION_FIXED, obj=rect, before=before, after={"status": rect.status})
    return rect


@transaction.atomic
def rectification_verify(*, actor: Any, rectification: Rectification, accepted: bool, note: str = "") -> Rectification:
    """A member of the team that found it checks the fix: verified (销号) or sent back with a reason."""
    require(actor, SupervisionCap.INSPECT)
    rect = _locked(rectification)
    if rect.owner_id == actor.pk or rect.fixed_by_id == actor.pk:
        raise DomainError(_("整改责任人不能验证自己的整改"), rule=VERIFY_RULE, field="verified_by")
    if not assignments_visible(actor).filter(pk=rect.inspection.assignment_id).exists():
        raise PermissionRefused(_("只有发现问题的督导组成员可以验证该整改"), rule=VERIFY_RULE)
    if rect.status in (RectificationStatus.OPEN, RectificationStatus.RETURNED):
        raise DomainError(_("责任单位尚未提交整改证据，不能验证销号"), rule=EVIDENCE_RULE, field="status")
    target = RectificationStatus.VERIFIED if accepted else RectificationStatus.RETURNED
    check_transition(
        RECTIFICATION_TRANSITIONS,
        rect.status,
        target,
        labels=RectificationStatus,
        what=_("该整改"),
        action=_("验证"),
        rule="supervision.transition",
    )
    if not accepted and not (note or "").strip():
        raise DomainError(_("退回整改须写明原因"), rule=VERIFY_RULE, field="note")
    before = {"status": rect.status}
    rect.status = target
    rect.verification_note = (note or "").strip()
    fields = ["status", "verification_note", "updated_at"]
    if accepted:
        rect.verified_at = now()
        rect.verified_by = actor
        fields += ["verified_at", "verified_by"]
    rect.save(update_fields=fields)
    event = SupervisionEvent.RECTIFICATION_VERIFIED if accepted else SupervisionEvent.RECTIFICATION_RETURNED
    audit_record(actor=actor, event_type=event, obj=rect, before=before, after={"status": rect.status}, reason=rect.verification_note)
    return rect
