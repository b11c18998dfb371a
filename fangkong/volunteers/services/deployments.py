"""The people who serve besides volunteers (item 5 of issue 18; seeds 002 and 004): a party member
reporting to a community (报到党员 — to the community their unit is paired with, or the compound where
they live), a cadre assigned to a sealed area (包联干部), a police officer sent to the grassroots
(下沉政法干警). Each is one person at one place (a community of the actor's grants, perhaps a compound
of it) for a period of Beijing days; recalled by ending the period; and, at a compound, put on its
4+N duty roster through zoning's own audited service (the roster is zoning's, read and written there).

Refused, naming the field, nothing written: a place outside the actor's grants, a compound outside
the community, an end before the start, a rank for anyone but a cadre, a sealed area not in force or
not the community's district, and the same person (by phone) already serving somewhere in an
overlapping period — checked city-wide, but the refusal names the place and date of the other
deployment only to an actor who may see it (a grant says where): otherwise it says only that the
person already has one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.crypto import encrypt, lookup_hash, lookup_hashes, mask_phone
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.texts import clean_text
from fangkong.geo.idnumbers import phone_field
from fangkong.geo.models import Community, Compound
from fangkong.policy.regimen import local_date
from fangkong.zoning.models import RiskArea
from fangkong.zoning.selectors import areas_in_force
from fangkong.zoning.services.duty import cadre_rank, duty_post_add

from ..choices import ROSTER_ROLE, DeploymentKind
from ..events import VolunteersEvent
from ..models import Deployment
from ..permissions import VolunteersCap
from ..serving import check_available, deployment_contact
from .common import SCOPE_RULE, within

OVERLAP_RULE = "volunteers.deployment_overlap"
MAX_PERIOD = dt.timedelta(days=366)


def _period(starts_on: dt.date, ends_on: dt.date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("结束日期不能早于开始日期"), field="ends_on")
    if ends_on is not None and ends_on - starts_on > MAX_PERIOD:
        raise DomainError(_("一次下沉不能超过一年"), field="ends_on")


def _overlapping(digits: str, starts_on: dt.date, ends_on: dt.date | None, *, besides: int | None = None) -> Deployment | None:
    """The person's deployment (by phone: its hash under each key of the ring, so that rows hashed
    before a key rotation still match) overlapping the period."""
    qs = Deployment.objects.filter(phone_hash__in=lookup_hashes("phone", digits)).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)
    )
    if ends_on is not None:
        qs = qs.filter(starts_on__lte=ends_on)
    if besides is not None:
        qs = qs.exclude(pk=besides)
    return qs.select_related("community").first()


def _overlap_refusal(actor: Any, clash: Deployment) -> str:
    """The refusal of an overlapping period: naming the other deployment if the actor may see it."""
    if Deployment.objects.visible_to(actor).filter(pk=clash.pk).exists():
        return _("该电话的人员已于 %(d)s 起下沉到“%(c)s”，同一人的下沉时段不能重叠") % {
            "d": clash.starts_on.isoformat(),
            "c": clash.community.name if clash.community else "—",
        }
    return _("该人员在此期间已有下沉安排，同一人的下沉时段不能重叠")


def _area(actor: Any, area_id: int | None, kind: str, community: Community) -> RiskArea | None:
    if area_id is None:
        return None
    if kind != DeploymentKind.CADRE:
        raise DomainError(_("包联区域只适用于包联干部"), field="area")
    area = areas_in_force(user=actor, at=now()).filter(pk=area_id).first()
    if area is None or area.district_id != community.district_id:
        raise DomainError(_("所选包联区域未生效或不在该社区所在区县"), field="area")
    return area


@transaction.atomic
def deployment_add(
    *,
    actor: Any,
    kind: str,
    name: str,
    phone: str,
    work_unit: str,
    community: Community,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    compound: Compound | None = None,
    rank: str = "",
    at_residence: bool = False,
    area_id: int | None = None,
) -> Deployment:
    require(actor, VolunteersCap.DEPLOY)
    if kind not in DeploymentKind.values:
        raise DomainError(_("类别无效"), field="kind")
    if not Community.objects.covered_by(actor).filter(pk=community.pk).exists():
        raise PermissionRefused(_("“%(c)s”不在您的管辖范围内") % {"c": community.name}, rule=SCOPE_RULE, field="community")
    if compound is not None and compound.community_id != community.pk:
        raise DomainError(_("小区不在所选社区内"), field="compound")
    name = clean_text(name, field="name", label=_("姓名"))
    work_unit = clean_text(work_unit, field="work_unit", label=_("派出单位"), max_length=100)
    digits = phone_field(phone)
    rank = cadre_rank(rank, is_cadre=kind == DeploymentKind.CADRE)
    if at_residence and (kind != DeploymentKind.PARTY_MEMBER or compound is None):
        raise DomainError(_("在居住地报到只适用于报到党员，并须选择所住小区"), field="at_residence")
    _period(starts_on, ends_on)
    area = _area(actor, area_id, kind, community)
    phone_hash = lookup_hash("phone", digits)
    clash = _overlapping(digits, starts_on, ends_on)
    if clash is not None:
        raise DomainError(_overlap_refusal(actor, clash), field="phone", rule=OVERLAP_RULE)
    deployment = Deployment.objects.create(
        kind=kind,
        name=name,
        phone_cipher=encrypt(digits),
        phone_hash=phone_hash,
        phone_masked=mask_phone(digits),
        work_unit=work_unit,
        rank=rank,
        at_residence=at_residence,
        district_id=community.district_id,
        street_id=community.street_id,
        community_id=community.pk,
        compound_id=compound.pk if compound else None,
        area_id=area.pk if area else None,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        event_type=VolunteersEvent.DEPLOYED,
        obj=deployment,
        after={"kind": kind, "community": community.pk, "compound": deployment.compound_id, "starts_on": starts_on, "ends_on": ends_on},
    )
    return deployment


@transaction.atomic
def deployment_end(*, actor: Any, deployment: Deployment, ends_on: dt.date | None = None) -> Deployment:
    """Recall: the period ends on `ends_on` (today, Beijing, by default)."""
    require(actor, VolunteersCap.DEPLOY)
    within(actor, deployment, field="deployment")
    deployment = Deployment.objects.select_for_update().get(pk=deployment.pk)
    ends_on = ends_on or local_date(now())
    if deployment.ends_on is not None and deployment.ends_on <= ends_on:
        raise DomainError(_("该人员的下沉已于 %(d)s 结束") % {"d": deployment.ends_on.isoformat()}, field="ends_on")
    if ends_on < deployment.starts_on:
        raise DomainError(_("结束日期不能早于开始日期（%(d)s）") % {"d": deployment.starts_on.isoformat()}, field="ends_on")
    before = deployment.ends_on
    deployment.ends_on = ends_on
    deployment.save(update_fields=["ends_on", "updated_at"])
    audit_record(
        actor=actor, event_type=VolunteersEvent.DEPLOYMENT_ENDED, obj=deployment, before={"ends_on": before}, after={"ends_on": ends_on}
    )
    return deployment


@transaction.atomic
def deployment_to_roster(*, actor: Any, deployment: Deployment) -> Deployment:
    """Put the person on their compound's 4+N roster (包联干部 as the cadre, 政法干警 as police or
    militia, a party member among the N others) through zoning's service, which checks its own
    capability (zoning.duty) and the compound; their phone goes across, their shifts are given there."""
    require(actor, VolunteersCap.DEPLOY)
    within(actor, deployment, field="deployment")
    deployment = Deployment.objects.select_for_update().get(pk=deployment.pk)
    if deployment.duty_post_id is not None:
        raise DomainError(_("%(n)s 已在该小区的 4+N 值守名单中") % {"n": deployment.name}, field="deployment")
    check_available(deployment, compound_id=None, day=local_date(now()))
    area = RiskArea.objects.filter(pk=deployment.area_id).first() if deployment.area_id else None
    post = duty_post_add(
        actor=actor,
        compound=Compound.objects.get(pk=deployment.compound_id),
        role=ROSTER_ROLE[deployment.kind],
        name=deployment.name,
        phone=deployment_contact(deployment),
        rank=deployment.rank,
        area=area,
        user=deployment.user,
    )
    deployment.duty_post_id = post.pk
    deployment.save(update_fields=["duty_post_id", "updated_at"])
    audit_record(actor=actor, event_type=VolunteersEvent.DEPLOYMENT_ROSTERED, obj=deployment, after={"duty_post": post.pk})
    return deployment
