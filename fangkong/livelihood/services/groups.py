"""Writes of the 上门服务 work groups (one or more per compound) and the 帮扶对子: a group member
paired with ledger residents of the group's own community ("一对一" with one, "一对多" with
several). A resident has one pair at a time; pairing someone already paired, or outside the
group's community, is refused naming the field, and nothing is written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.texts import clean_text
from fangkong.geo.models import Compound
from fangkong.policy.regimen import local_date
from fangkong.volunteers import serving

from ..choices import DEPLOYMENT_MEMBER_KIND, EntryStatus, MemberKind
from ..events import LivelihoodEvent
from ..models import GroupMember, LedgerEntry, Pairing, ServiceGroup
from ..permissions import LivelihoodCap
from .common import covered_row, sealed_phone

PAIR_SCOPE = "livelihood.pair_same_community"
MEMBER_ONCE = "livelihood.member_deployment_once"


@transaction.atomic
def group_add(*, actor: Any, compound: Compound, name: str) -> ServiceGroup:
    require(actor, LivelihoodCap.LEDGER)
    covered_row(actor, compound, field="compound", what=compound.name)
    name = clean_text(name, field="name", label=_("工作组名称"))
    if ServiceGroup.objects.filter(compound=compound, name=name).exists():
        raise DomainError(_("本小区已有同名工作组“%(n)s”") % {"n": name}, field="name")
    group = ServiceGroup.objects.create(
        compound=compound, name=name, district_id=compound.district_id, street_id=compound.street_id, community_id=compound.community_id
    )
    audit_record(actor=actor, event_type=LivelihoodEvent.GROUP_ADDED, obj=group, after={"compound": compound.pk, "name": name})
    return group


@transaction.atomic
def member_add(*, actor: Any, group: ServiceGroup, kind: str, name: str, phone: str, username: str = "") -> GroupMember:
    """A member of the group typed in by the community (a community cadre, a volunteer, anyone not
    deployed through the volunteers module; those are taken on by member_from_deployment)."""
    require(actor, LivelihoodCap.LEDGER)
    covered_row(actor, group, field="group", what=group.name)
    if kind not in MemberKind.values:
        raise DomainError(_("身份无效"), field="kind")
    name = clean_text(name, field="name", label=_("姓名"))
    cipher, digest, masked = sealed_phone(phone, field="phone", required=True)
    user = None
    if (username or "").strip():
        user = get_user_model().objects.filter(username=username.strip(), is_active=True).first()
        if user is None:
            raise DomainError(_("平台账号“%(u)s”不存在") % {"u": username.strip()[:40]}, field="username")
    member = GroupMember.objects.create(
        group=group, kind=kind, name=name, phone_cipher=cipher, phone_hash=digest, phone_masked=masked, user=user
    )
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.MEMBER_ADDED,
        obj=member,
        object_repr=f"{group.name} #{member.pk}",
        after={"group": group.pk, "kind": kind, "account": bool(user)},
    )
    return member


@transaction.atomic
def member_from_deployment(*, actor: Any, group: ServiceGroup, deployment_id: int) -> GroupMember:
    """A person deployed to the group's compound (报到党员, 包联干部, 下沉政法干警) joins the group:
    the deployment must be one the actor sees, and available to the compound today by the rule the
    4+N roster uses (volunteers.serving.check_available); their name, phone and account come
    across; the same deployment joins a group once."""
    require(actor, LivelihoodCap.LEDGER)
    covered_row(actor, group, field="group", what=group.name)
    deployment = serving.deployment_list(user=actor).filter(pk=deployment_id).first()
    if deployment is None:
        raise DomainError(_("请选择下沉人员"), field="deployment")
    serving.check_available(deployment, compound_id=group.compound_id, day=local_date(now()))
    if GroupMember.objects.filter(group=group, deployment_id=deployment.pk).exists():
        raise DomainError(_("%(n)s 已是本工作组成员") % {"n": deployment.name}, field="deployment", rule=MEMBER_ONCE)
    cipher, digest, masked = sealed_phone(serving.deployment_contact(deployment), field="deployment", required=True)
    try:
        with transaction.atomic():
            member = GroupMember.objects.create(
                group=group,
                kind=DEPLOYMENT_MEMBER_KIND[deployment.kind],
                name=deployment.name,
                phone_cipher=cipher,
                phone_hash=digest,
                phone_masked=masked,
                user=deployment.user,
                deployment_id=deployment.pk,
            )
    except IntegrityError as exc:  # the same deployment added twice at once
        raise DomainError(_("%(n)s 已是本工作组成员") % {"n": deployment.name}, field="deployment", rule=MEMBER_ONCE) from exc
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.MEMBER_ADDED,
        obj=member,
        object_repr=f"{group.name} #{member.pk}",
        after={"group": group.pk, "kind": member.kind, "deployment": deployment.pk, "account": bool(member.user_id)},
    )
    return member


@transaction.atomic
def pair(*, actor: Any, member: GroupMember, entries: Sequence[LedgerEntry]) -> list[Pairing]:
    """Pair the member with each of `entries` (all or none)."""
    require(actor, LivelihoodCap.LEDGER)
    group = member.group
    covered_row(actor, group, field="member", what=group.name)
    if not entries:
        raise DomainError(_("请选择要结对的居民"), field="entries")
    ids = [e.pk for e in entries]
    rows = list(LedgerEntry.objects.select_for_update().filter(pk__in=ids))
    outside = [e for e in rows if e.community_id != group.community_id]
    if outside or len(rows) != len(set(ids)):
        raise DomainError(_("只能与本社区台账中的居民结对"), field="entries", rule=PAIR_SCOPE)
    if any(e.status != EntryStatus.ACTIVE for e in rows):
        raise DomainError(_("已销号的居民不能结对"), field="entries")
    taken = Pairing.objects.filter(entry_id__in=ids, ended_at__isnull=True).count()
    if taken:
        raise DomainError(_("有 %(n)s 名居民已有帮扶对子，请先解除原对子") % {"n": taken}, field="entries", rule="livelihood.one_pair")
    try:
        with transaction.atomic():
            made = Pairing.objects.bulk_create([Pairing(member=member, entry_id=pk) for pk in sorted(set(ids))])
    except IntegrityError as exc:  # a concurrent pairing of the same resident
        raise DomainError(_("有居民刚刚已被他人结对，请刷新后重试"), field="entries", rule="livelihood.one_pair") from exc
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.PAIRED,
        obj=member,
        object_repr=f"{group.name} #{member.pk}",
        after={"entries": sorted(set(ids))},
        count=len(made),
    )
    return made


@transaction.atomic
def unpair(*, actor: Any, pairing: Pairing) -> Pairing:
    require(actor, LivelihoodCap.LEDGER)
    pairing = Pairing.objects.select_for_update().select_related("entry").get(pk=pairing.pk)
    e = pairing.entry
    covered_row(actor, e, field="pairing", what=_("该对子"))
    if pairing.ended_at is not None:
        raise DomainError(_("该对子已解除"), field="pairing")
    pairing.ended_at = now()
    pairing.save(update_fields=["ended_at", "updated_at"])
    audit_record(actor=actor, event_type=LivelihoodEvent.UNPAIRED, obj=pairing, object_repr=f"对子 #{pairing.pk}", after={"entry": e.pk})
    return pairing
