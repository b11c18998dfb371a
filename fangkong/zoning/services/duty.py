"""Writes of the 4+N duty rosters: a street or community office names a person on a compound's roster
(their phone sealed, hashed and masked like a resident's; a cadre's rank and the sealed area they are
assigned to), gives them shifts — one, or the same hours over several days, all or none — and the
person checks in for the shift under way from their phone. The same person (the same post, the same
phone, the same account) may not be on two overlapping shifts: the refusal names the field and the
shift in the way (where the actor may see it), and nothing is written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import CLOCK_SKEW, aware, now, too_early
from fangkong.core.coverage import span_label
from fangkong.core.crypto import decrypt, encrypt, lookup_hash, lookup_hashes, mask_phone
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.texts import clean_text
from fangkong.core.timefmt import local_minutes
from fangkong.geo.idnumbers import phone_field
from fangkong.geo.models import Building, Compound

from ..choices import CadreRank, DutyRole
from ..duty import check_in_open, compound_areas
from ..events import ZoningEvent
from ..models import DutyPost, DutyShift, RiskArea
from ..permissions import ZoningCap

DUTY_SCOPE = "zoning.duty_scope"
SHIFT_OVERLAP = "zoning.duty_overlap"
CHECK_IN_OWN = "zoning.duty_check_in_own"
MAX_SHIFT = dt.timedelta(hours=24)
MAX_DAYS = 31


def cadre_rank(rank: str | None, *, is_cadre: bool) -> str:
    """The rank (职级) of a 包联干部 — on the 4+N roster and on a deployment alike; nobody else has one."""
    rank = rank or ""
    if rank and (not is_cadre or rank not in CadreRank.values):
        raise DomainError(_("职级只适用于包联干部"), field="rank")
    return rank


def _covered(actor: Any, compound: Compound) -> None:
    if not Compound.objects.covered_by(actor).filter(pk=compound.pk).exists():
        raise PermissionRefused(_("“%(c)s”不在您的管辖范围内") % {"c": compound.name}, rule=DUTY_SCOPE, field="compound")


@transaction.atomic
def duty_post_add(
    *,
    actor: Any,
    compound: Compound,
    role: str,
    name: str,
    phone: str,
    rank: str = "",
    area: RiskArea | None = None,
    user: Any = None,
) -> DutyPost:
    """A named person on the compound's roster. `user` (an active account) lets them check in."""
    require(actor, ZoningCap.DUTY)
    _covered(actor, compound)
    if role not in DutyRole.values:
        raise DomainError(_("岗位无效"), field="role")
    name = clean_text(name, field="name", label=_("姓名"))
    digits = phone_field(phone)
    rank = cadre_rank(rank, is_cadre=role == DutyRole.CADRE)
    if area is not None and not compound_areas(compound).filter(pk=area.pk).exists():
        raise DomainError(_("“%(a)s”不包含该小区或未生效") % {"a": area.name}, field="area")
    if user is not None and not (getattr(user, "is_active", False) and _reaches(user, compound)):
        raise DomainError(_account_refusal(user.get_username()), field="user")
    post = DutyPost.objects.create(
        compound=compound,
        district_id=compound.district_id,
        street_id=compound.street_id,
        community_id=compound.community_id,
        role=role,
        name=name,
        phone_cipher=encrypt(digits),
        phone_hash=lookup_hash("phone", digits),
        phone_masked=mask_phone(digits),
        rank=rank,
        area=area,
        user=user,
    )
    audit_record(
        actor=actor,
        event_type=ZoningEvent.DUTY_POST_ADDED,
        obj=post,
        after={"compound": compound.pk, "role": role, "rank": rank, "area": area.pk if area else None, "account": bool(user)},
    )
    return post


def _reaches(user: Any, compound: Compound) -> bool:
    """The account's grants hold the compound or one of its buildings (a grid worker's grid): only
    such an account may be linked to a post of the compound, to check in there."""
    return (
        Compound.objects.covered_by(user).filter(pk=compound.pk).exists()
        or Building.objects.covered_by(user).filter(compound_id=compound.pk).exists()
    )


def _account_refusal(username: str) -> str:
    # One message for an unknown account and one outside the compound: the form is no way to probe accounts.
    return _("平台账号“%(u)s”不存在，或其管辖范围不含本小区") % {"u": username}


def user_by_username(username: str) -> Any:
    """The account a post links to, by its user name (None when left blank); refuses naming the field."""
    username = (username or "").strip()
    if not username:
        return None
    found = get_user_model().objects.filter(username=username, is_active=True).first()
    if found is None:
        raise DomainError(_account_refusal(username), field="user")
    return found


def _same_person(post: DutyPost) -> Q:
    """Posts held by the person of `post`: itself, the same phone, the same account."""
    q = Q(pk=post.pk)
    if post.phone_cipher:  # the phone's hash under each key of the ring: posts hashed before a key rotation match too
        q |= Q(phone_hash__in=lookup_hashes("phone", decrypt(post.phone_cipher)))
    elif post.phone_hash:
        q |= Q(phone_hash=post.phone_hash)
    if post.user_id:
        q |= Q(user_id=post.user_id)
    return q


def _check_span(starts_at: dt.datetime, ends_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    starts_at, ends_at = aware(starts_at, field="starts_at"), aware(ends_at, field="ends_at")
    if too_early(starts_at):
        raise DomainError(_("开始时间有误"), field="starts_at")
    if ends_at <= starts_at:
        raise DomainError(_("结束时间须晚于开始时间"), field="ends_at")
    if ends_at - starts_at > MAX_SHIFT:
        raise DomainError(_("一个班次不能超过 24 小时"), field="ends_at")
    return starts_at, ends_at


def _refuse_overlap(actor: Any, post: DutyPost, spans: list[tuple[dt.datetime, dt.datetime]], *, besides: DutyShift | None = None) -> None:
    """The same person (post, phone, account) may not be on two overlapping shifts; `besides` is the
    shift being edited, which does not clash with itself. The refusal names a shift in the way — its
    time, compound and role — only in a compound inside the actor's grants (the duty pages' rule,
    `duty.compound_get`); a clash only elsewhere is "another shift", without where or when, or the
    form would tell anyone who types a phone where and when its holder is on duty (security.md §2.4)."""
    window = Q()
    for a, b in spans:
        window |= Q(starts_at__lt=b, ends_at__gt=a)
    posts = DutyPost.objects.filter(_same_person(post))
    clashes = DutyShift.objects.filter(window, post__in=posts)
    if besides is not None:
        clashes = clashes.exclude(pk=besides.pk)
    seen = clashes.filter(compound__in=Compound.objects.covered_by(actor))
    clash = seen.select_related("post", "compound").order_by("starts_at").first()
    if clash is None:
        if clashes.exists():
            raise DomainError(_("该人员在此时段已有其他班次"), field="starts_at", rule=SHIFT_OVERLAP)
        return
    raise DomainError(
        _("%(name)s 在 %(span)s 已有班次（%(compound)s，%(role)s），同一人的班次不能重叠")
        % {
            "name": post.name,
            "span": span_label(clash.starts_at, clash.ends_at),
            "compound": clash.compound.name,
            "role": clash.post.get_role_display(),
        },
        field="starts_at",
        rule=SHIFT_OVERLAP,
    )


@transaction.atomic
def duty_shifts_add(*, actor: Any, post: DutyPost, starts_at: dt.datetime, ends_at: dt.datetime, days: int = 1) -> list[DutyShift]:
    """Shifts of `post` from `starts_at` to `ends_at` (at most 24 hours), repeated on `days`
    consecutive days: all written, or none."""
    require(actor, ZoningCap.DUTY)
    post = DutyPost.objects.select_for_update().select_related("compound").get(pk=post.pk)
    _covered(actor, post.compound)
    starts_at, ends_at = _check_span(starts_at, ends_at)
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(_("连续天数须在 1 到 %(n)s 之间") % {"n": MAX_DAYS}, field="days")
    spans = [(starts_at + dt.timedelta(days=i), ends_at + dt.timedelta(days=i)) for i in range(days)]
    _refuse_overlap(actor, post, spans)
    is_user = getattr(actor, "is_authenticated", False)
    created = DutyShift.objects.bulk_create(
        DutyShift(post=post, compound=post.compound, role=post.role, starts_at=a, ends_at=b, created_by=actor if is_user else None)
        for a, b in spans
    )
    audit_record(
        actor=actor,
        event_type=ZoningEvent.DUTY_SHIFTS_ADDED,
        obj=post,
        after={"compound": post.compound_id, "role": post.role, "starts_at": starts_at, "ends_at": ends_at, "days": days},
        count=len(created),
    )
    return created


@transaction.atomic
def duty_check_in(*, actor: Any, shift: DutyShift) -> DutyShift:
    """The person of the shift checks in, while it is under way (audited). Nobody else may."""
    require(actor, ZoningCap.CHECK_IN)
    shift = DutyShift.objects.select_for_update().select_related("post", "compound").get(pk=shift.pk)
    if shift.post.user_id is None or shift.post.user_id != getattr(actor, "pk", None):
        raise PermissionRefused(_("只有本人可以签到"), rule=CHECK_IN_OWN, field="shift")
    at = now()
    if not check_in_open(shift, at=at):
        raise DomainError(
            _("不在班次时间内（%(span)s），现在是 %(now)s")
            % {"span": span_label(shift.starts_at, shift.ends_at), "now": local_minutes(at)},
            field="shift",
            rule=CHECK_IN_OWN,
        )
    if shift.checked_in_at is not None:
        raise DomainError(_("该班次已于 %(t)s 签到") % {"t": local_minutes(shift.checked_in_at)}, field="shift")
    shift.checked_in_at = at
    shift.save(update_fields=["checked_in_at"])
    audit_record(
        actor=actor,
        event_type=ZoningEvent.DUTY_CHECKED_IN,
        obj=shift,
        object_repr=str(shift.post),
        after={"compound": shift.compound_id, "role": shift.role, "checked_in_at": at},
    )
    return shift


SHIFT_RECORD = "zoning.duty_shift_record"


def _locked_shift(actor: Any, shift: DutyShift) -> DutyShift:
    require(actor, ZoningCap.DUTY)
    shift = DutyShift.objects.select_for_update().select_related("post", "compound").get(pk=shift.pk)
    _covered(actor, shift.compound)
    return shift


def _refuse_ended(shift: DutyShift, at: dt.datetime) -> None:
    if shift.ends_at <= at:
        raise DomainError(
            _("%(span)s 的班次已结束，是值守记录，不能修改或取消") % {"span": span_label(shift.starts_at, shift.ends_at)},
            field="shift",
            rule=SHIFT_RECORD,
        )


@transaction.atomic
def duty_shift_change(*, actor: Any, shift: DutyShift, starts_at: dt.datetime, ends_at: dt.datetime) -> DutyShift:
    """Move a shift that has not ended. A shift under way keeps its start (someone is on duty since)
    and may only end at another time, still to come; a shift to come may not be moved into the past.
    The same overlap rule as adding a shift, the shift itself aside."""
    shift = _locked_shift(actor, shift)
    at = now()
    _refuse_ended(shift, at)
    starts_at, ends_at = _check_span(starts_at, ends_at)
    under_way = shift.starts_at <= at
    if under_way and starts_at != shift.starts_at:
        raise DomainError(_("班次已开始，开始时间不能修改（可修改结束时间）"), field="starts_at", rule=SHIFT_RECORD)
    if not under_way and starts_at < at - CLOCK_SKEW:
        raise DomainError(_("开始时间不能早于现在"), field="starts_at")
    if ends_at <= at:
        raise DomainError(_("结束时间须晚于现在；提前结束请用“取消班次”"), field="ends_at")
    _refuse_overlap(actor, shift.post, [(starts_at, ends_at)], besides=shift)
    before = {"starts_at": shift.starts_at, "ends_at": shift.ends_at}
    shift.starts_at, shift.ends_at = starts_at, ends_at
    shift.save(update_fields=["starts_at", "ends_at"])
    audit_record(
        actor=actor,
        event_type=ZoningEvent.DUTY_SHIFT_CHANGED,
        obj=shift,
        object_repr=str(shift.post),
        before=before,
        after={"compound": shift.compound_id, "role": shift.role, "starts_at": starts_at, "ends_at": ends_at},
    )
    return shift


@transaction.atomic
def duty_shift_remove(*, actor: Any, shift: DutyShift, confirm_under_way: bool = False) -> DutyShift | None:
    """Cancel a shift. One to come is deleted (None returned). One under way is a record of who was
    on duty: it is refused unless confirmed, and then ended now (kept, returned). An ended one is refused."""
    shift = _locked_shift(actor, shift)
    at = now()
    _refuse_ended(shift, at)
    before = {"starts_at": shift.starts_at, "ends_at": shift.ends_at, "checked_in_at": shift.checked_in_at}
    after: dict[str, Any] = {"compound": shift.compound_id, "role": shift.role}
    if shift.starts_at <= at:
        if not confirm_under_way:
            raise DomainError(
                _("%(name)s 正在值班（%(span)s）：确认后班次于现在结束，值守记录保留")
                % {"name": shift.post.name, "span": span_label(shift.starts_at, shift.ends_at)},
                field="confirm",
                rule=SHIFT_RECORD,
            )
        shift.ends_at = max(at, shift.starts_at + dt.timedelta(seconds=1))
        shift.save(update_fields=["ends_at"])
        after["ended_at"] = shift.ends_at
        kept: DutyShift | None = shift
    else:
        shift.delete()
        after["deleted"] = True
        kept = None
    audit_record(
        actor=actor,
        event_type=ZoningEvent.DUTY_SHIFT_REMOVED,
        obj=shift.post,
        object_repr=str(shift.post),
        before=before,
        after=after,
    )
    return kept


@transaction.atomic
def duty_post_remove(*, actor: Any, post: DutyPost, confirm_under_way: bool = False) -> DutyPost:
    """Take a person off the roster: their shifts to come are deleted, one under way ends now (only
    when confirmed), their ended shifts stay as the record; the post is kept, marked removed."""
    require(actor, ZoningCap.DUTY)
    post = DutyPost.objects.select_for_update().select_related("compound").get(pk=post.pk)
    _covered(actor, post.compound)
    if post.removed_at is not None:
        raise DomainError(_("%(p)s 已移出值守名单") % {"p": post}, field="post")
    at = now()
    live = DutyShift.objects.select_for_update().filter(post=post, ends_at__gt=at)
    under_way = [s for s in live if s.starts_at <= at]
    if under_way and not confirm_under_way:
        s = under_way[0]
        raise DomainError(
            _("%(name)s 正在值班（%(span)s）：确认后班次于现在结束，值守记录保留")
            % {"name": post.name, "span": span_label(s.starts_at, s.ends_at)},
            field="confirm",
            rule=SHIFT_RECORD,
        )
    ended = live.filter(starts_at__lte=at).update(ends_at=at)
    deleted, _by_model = live.filter(starts_at__gt=at).delete()
    post.removed_at = at
    post.save(update_fields=["removed_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=ZoningEvent.DUTY_POST_REMOVED,
        obj=post,
        after={"compound": post.compound_id, "role": post.role, "shifts_deleted": deleted, "shifts_ended": ended},
    )
    return post
