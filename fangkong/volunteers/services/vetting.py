"""The coordinator's decisions on an application: verify (the applicant matched to the population
registry by ID number, among the people of the coordinator's places only), approve — for field work
only when nothing blocks it at the time (fangkong.volunteers.fitness, the reason shown as the
coordinator may be told it) — or reject; and the volunteer's personal link."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.crypto import decrypt
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.geo.lookup import person_by_id_number
from fangkong.geo.models import Person

from ..choices import VolunteerStatus
from ..events import VolunteersEvent
from ..fitness import FIELD_WORK_RULE, field_work_block
from ..models import Volunteer
from ..permissions import VolunteersCap
from ..tokens import new_nonce, personal_link_token
from .common import volunteer_move, within


def _locked(actor: Any, volunteer: Volunteer) -> Volunteer:
    require(actor, VolunteersCap.MANAGE)
    within(actor, volunteer, field="volunteer")
    return Volunteer.objects.select_for_update().get(pk=volunteer.pk)


def volunteer_verify(*, actor: Any, volunteer: Volunteer) -> Volunteer:
    """Match the applicant to the registry by the number they gave, among the people inside the
    actor's grants only (fangkong.geo.lookup.person_by_id_number): the number is anyone's to type on
    the public form, so a match must not tell a coordinator about a person they may not see. The
    look-up is a search by full number — counted against the actor's limit and audited, before and
    outside the write, so a refusal past the limit (SearchLimited) is audited and writes nothing.
    Not found is recorded, not refused: a volunteer from elsewhere may still do desk work, but
    cannot be cleared for field work (a coordinator of the place they live in may verify them)."""
    require(actor, VolunteersCap.MANAGE)  # the capability, the scope and the status first: no search for a refused write
    within(actor, volunteer, field="volunteer")
    volunteer_move(volunteer.status, VolunteerStatus.VERIFIED, action=_("核验"))
    person = person_by_id_number(decrypt(volunteer.id_cipher), user=actor, where="volunteers.verify")
    return _verified(actor, volunteer, person)


@transaction.atomic
def _verified(actor: Any, volunteer: Volunteer, person: Person | None) -> Volunteer:
    v = _locked(actor, volunteer)
    volunteer_move(v.status, VolunteerStatus.VERIFIED, action=_("核验"))
    v.person = person
    v.status = VolunteerStatus.VERIFIED
    v.verified_at = now()
    v.decided_by = actor
    v.decision_note = "" if person is not None else _("您辖区的人口登记库中未找到此证件号码")
    v.save(update_fields=["person", "status", "verified_at", "decided_by", "decision_note", "updated_at"])
    audit_record(actor=actor, event_type=VolunteersEvent.VERIFIED, obj=v, after={"matched": person is not None})
    return v


@transaction.atomic
def volunteer_approve(*, actor: Any, volunteer: Volunteer, field_work: bool) -> Volunteer:
    """Approve a verified volunteer (or an approved one again, e.g. for field work once a block has
    gone). Field work is refused, with the reason as the actor may be told it, while
    fitness.field_work_block names one."""
    v = _locked(actor, volunteer)
    volunteer_move(v.status, VolunteerStatus.APPROVED, action=_("批准"))
    at = now()
    if field_work:
        reason = field_work_block(v, at, user=actor)
        if reason:
            raise DomainError(
                _("今天不能批准从事一线工作：%(r)s。可先批准从事非一线工作（如数据录入）。") % {"r": reason},
                field="field_work",
                rule=FIELD_WORK_RULE,
            )
    before = {"status": v.status, "field_work": v.field_work}
    v.status = VolunteerStatus.APPROVED
    v.field_work = field_work
    v.approved_at = v.approved_at or at
    v.decided_by = actor
    v.link_nonce = v.link_nonce or new_nonce()
    v.save(update_fields=["status", "field_work", "approved_at", "decided_by", "link_nonce", "updated_at"])
    audit_record(
        actor=actor, event_type=VolunteersEvent.APPROVED, obj=v, before=before, after={"status": v.status, "field_work": field_work}
    )
    return v


@transaction.atomic
def volunteer_reject(*, actor: Any, volunteer: Volunteer, reason: str) -> Volunteer:
    v = _locked(actor, volunteer)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写不批准的理由"), field="reason")
    volunteer_move(v.status, VolunteerStatus.REJECTED, action=_("不批准"))
    v.status = VolunteerStatus.REJECTED
    v.decided_by = actor
    v.decision_note = reason[:300]
    v.link_nonce = ""
    v.save(update_fields=["status", "decided_by", "decision_note", "link_nonce", "updated_at"])
    audit_record(actor=actor, event_type=VolunteersEvent.REJECTED, obj=v, reason=reason[:300])
    return v


@transaction.atomic
def personal_link_issue(*, actor: Any, volunteer: Volunteer) -> str:
    """A new personal link for an approved volunteer (the old one stops working)."""
    v = _locked(actor, volunteer)
    if v.status != VolunteerStatus.APPROVED:
        raise DomainError(_("只有已批准的志愿者才有个人链接"), field="volunteer")
    v.link_nonce = new_nonce()
    v.save(update_fields=["link_nonce", "updated_at"])
    audit_record(actor=actor, event_type=VolunteersEvent.LINK_ISSUED, obj=v)
    return personal_link_token(v)
