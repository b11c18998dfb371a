"""Release and hand over (解隔, 手递手、点对点), the home phase, completion.

release_order: the central period is over and every central test is negative → a release order and
a pending handover to the receiving community (or, for an inbound traveller bound elsewhere, the
receiving locality). The person stays in the room, the site's responsibility, until the receiving
side confirms the handover; only someone whose grant covers the receiving community can confirm.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_before, not_in_future
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.idnumbers import InvalidDocument, normalise_phone
from fangkong.geo.models import Community
from fangkong.geo.vitals import celsius
from fangkong.policy.regimen import local_date
from fangkong.results.choices import Result

from .. import events
from ..choices import KIND_POLICY_PREFIX, EpisodeKind, EpisodeStatus, HandoverStatus, HomeMode, StayEnd, TestPhase, TransportMode
from ..models import Handover, HomeCheck, IsolationEpisode, ReleaseOrder, ScheduledTest
from ..permissions import IsolationCap
from .common import end_episode, end_stay, lock_episode, require_community, require_episode, require_site, set_status
from .regimen import home_day_one, home_test_key, reanchor_home

POSITIVE_NOT_RELEASED = "isolation.positive_not_released"
HOME_DAILY_CHECK = "isolation.home_daily_check"
HANDOVER_RECEIVER = "isolation.handover_receiver"


def _tests_in_order(episode: IsolationEpisode, phase: str) -> list[ScheduledTest]:
    return list(ScheduledTest.objects.filter(episode=episode, phase=phase).select_related("citation").order_by("day_number"))


def _require_all_negative(tests: list[ScheduledTest], *, key: str, rule_text: str, what: str) -> None:
    positive = [t for t in tests if t.result == Result.POSITIVE]
    if positive:
        raise DomainError(_("第 %(n)s 天检测阳性，不能%(what)s") % {"n": positive[0].day_number, "what": what}, rule=POSITIVE_NOT_RELEASED)
    missing = [t for t in tests if t.result != Result.NEGATIVE]
    if missing:
        days = "、".join(str(t.day_number) for t in missing)
        raise DomainError(_("第 %(days)s 天的检测尚无阴性结果，不能%(what)s") % {"days": days, "what": what}, rule=key, source=rule_text)


@transaction.atomic
def release_order(
    *,
    actor: Any,
    episode: IsolationEpisode,
    at: dt.datetime | None = None,
    to_locality: str = "",
    transport_mode: str = TransportMode.SITE_VEHICLE,
    vehicle: str = "",
) -> ReleaseOrder:
    """解除集中隔离: the central period is over and every scheduled central test is negative."""
    require(actor, IsolationCap.MANAGE)
    require_episode(actor, episode)
    at = aware(at)
    not_in_future(at, field="at", label=_("解除时间"))
    episode = lock_episode(episode)
    if episode.site_id is not None:
        require_site(actor, episode.site)
    tests = _tests_in_order(episode, TestPhase.CENTRAL)
    if any(t.result == Result.POSITIVE for t in tests):
        _require_all_negative(tests, key="", rule_text="", what=_("解除集中隔离"))
    before = set_status(episode, EpisodeStatus.RELEASED_PENDING_HANDOVER, _("解除集中隔离"))
    prefix = KIND_POLICY_PREFIX[episode.kind]
    if episode.central_until is None or at < episode.central_until:
        raise DomainError(
            _("集中隔离 %(n)s 天至 %(until)s 期满，期满前不能解除")
            % {"n": episode.central_days, "until": f"{local_date(episode.central_until) if episode.central_until else '-'} 0:00"},
            rule=f"{prefix}.central_days",
            source=episode.regimen_rules,
        )
    _require_all_negative(tests, key=f"{prefix}.central_test_days", rule_text=tests[0].rule if tests else "", what=_("解除集中隔离"))
    if transport_mode not in TransportMode.values:
        raise DomainError(_("转运方式无效"), field="transport_mode")
    to = _receiver(episode, to_locality)
    order = ReleaseOrder.objects.create(
        episode=episode,
        site=episode.site,
        ordered_at=at,
        ordered_by=actor if getattr(actor, "is_authenticated", False) else None,
        tests=[
            {"day": t.day_number, "due": t.due_date.isoformat(), "result": t.result, "sampled_at": t.sampled_at.isoformat()} for t in tests
        ],
        citation_id=episode.regimen_citation_id,  # the episode's regimen rules (the same text)
    )
    handover = Handover.objects.create(
        episode=episode,
        release_order=order,
        from_site=episode.site,
        transport_mode=transport_mode,
        vehicle=vehicle[:64],
        created_at=at,
        **to,
    )
    moved = reanchor_home(episode, at)
    episode.released_at = at
    episode.save(update_fields=["status", "released_at", "home_until", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.RELEASE_ORDERED,
        obj=episode,
        before={"status": before},
        after={
            "status": episode.status,
            "order": order.pk,
            "handover": handover.pk,
            "to_community": handover.to_community_id,
            "to_locality": handover.to_locality,
            "home_until": episode.home_until,
            "home_phase_moved": moved,
        },
    )
    return order


def _receiver(episode: IsolationEpisode, to_locality: str) -> dict[str, Any]:
    """Who receives the person: the community of the episode (the person's, or an inbound
    traveller's destination), or — for a destination outside the city — the named locality."""
    to_locality = (to_locality or "").strip()
    arrival = getattr(episode, "arrival", None) if episode.kind == EpisodeKind.INBOUND else None
    if episode.community_id and not to_locality:
        return {"to_district_id": episode.district_id, "to_street_id": episode.street_id, "to_community_id": episode.community_id}
    if not to_locality and arrival is not None:
        to_locality = arrival.destination
    if not to_locality:
        raise DomainError(_("没有接收社区：请填写外地接收方"), field="to_locality", rule="isolation.handover_receiver")
    return {"to_locality": to_locality[:200]}


def handover_receiver(name: str, phone: str) -> tuple[str, str]:
    """手递手 names who took the person: the receiver's name and a phone that reaches them (a mobile,
    or a landline with its area code), on every path (page, API, the synthetic city). Returns them
    cleaned, or refuses naming the field."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写接收人姓名"), field="receiver_name", rule=HANDOVER_RECEIVER)
    if len(name) > 64:
        raise DomainError(_("接收人姓名不能超过 64 个字"), field="receiver_name", rule=HANDOVER_RECEIVER)
    phone = (phone or "").strip()
    if not phone:
        raise DomainError(_("请填写接收人电话"), field="receiver_phone", rule=HANDOVER_RECEIVER)
    try:
        phone = normalise_phone(phone)
    except InvalidDocument as exc:
        raise DomainError(
            _("接收人电话“%(p)s”无效：应为 11 位手机号或带区号的固定电话") % {"p": phone}, field="receiver_phone", rule=HANDOVER_RECEIVER
        ) from exc
    return name, phone


@transaction.atomic
def handover_confirm(
    *,
    actor: Any,
    handover: Handover,
    at: dt.datetime | None = None,
    receiver_name: str = "",
    receiver_phone: str = "",
    note: str = "",
) -> Handover:
    """手递手: the receiving community confirms it has the person; the room is vacated.

    To a community: only a user whose grant covers that community (its worker, its street's or
    district's office, the city) may confirm. To another city: the site (or the transfer team)
    confirms. Either way the receiver is named, with a phone (`handover_receiver`). Then, by the
    regimen: home isolation follows (the community records arrival home), or — with no home phase,
    a destination outside the city, or a second quarantine the policy requires at the destination —
    the episode ends here."""
    at = aware(at)
    not_in_future(at, field="at", label=_("交接时间"))
    if handover.to_community_id:
        require(actor, IsolationCap.HANDOVER)
        require_community(
            actor,
            district_id=handover.to_district_id,
            street_id=handover.to_street_id,
            community_id=handover.to_community_id,
            what=_("确认交接"),
        )
    else:
        require(actor, IsolationCap.MANAGE)
        require_site(actor, handover.from_site)
    receiver_name, receiver_phone = handover_receiver(receiver_name, receiver_phone)
    episode = lock_episode(handover.episode)
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.status != HandoverStatus.PENDING:
        raise DomainError(_("该交接已确认"), rule="isolation.handover_once")
    not_before(at, handover.created_at, field="at", label=_("交接时间"), earlier_label=_("交接发起时间"))
    before = set_status(episode, EpisodeStatus.HANDED_OVER, _("交接"))
    handover.status = HandoverStatus.CONFIRMED
    handover.confirmed_at = at
    handover.confirmed_by = actor
    handover.receiver_name = receiver_name
    handover.receiver_phone = receiver_phone
    handover.note = note[:200]
    handover.save(update_fields=["status", "confirmed_at", "confirmed_by", "receiver_name", "receiver_phone", "note"])
    stay = end_stay(episode, at=at, reason=StayEnd.HANDED_OVER)
    episode.handed_over_at = at
    fields = ["status", "handed_over_at", "updated_at"]
    follow_up = None
    arrival = getattr(episode, "arrival", None) if episode.kind == EpisodeKind.INBOUND else None
    if not handover.to_community_id:
        end_episode(episode, to=EpisodeStatus.COMPLETED, at=at, reason=_("已移交外地接收方，居家阶段由接收地负责"), action=_("结束"))
        fields += ["ended_at", "end_reason"]
    elif arrival is not None and arrival.second_quarantine_at_destination:
        end_episode(episode, to=EpisodeStatus.COMPLETED, at=at, reason=_("移交目的地再次集中隔离"), action=_("结束"))
        fields += ["ended_at", "end_reason"]
    elif not episode.home_days or episode.home_mode == HomeMode.NONE:
        end_episode(episode, to=EpisodeStatus.COMPLETED, at=at, reason=_("现行政策无居家阶段，交接后解除"), action=_("结束"))
        fields += ["ended_at", "end_reason"]
    episode.save(update_fields=fields)
    if arrival is not None and arrival.second_quarantine_at_destination and episode.status == EpisodeStatus.COMPLETED:
        follow_up = _second_quarantine(actor=actor, episode=episode, arrival=arrival, at=at)
    audit_record(
        actor=actor,
        event_type=events.HANDOVER_CONFIRMED,
        obj=episode,
        before={"status": before},
        after={
            "status": episode.status,
            "handover": handover.pk,
            "to_community": handover.to_community_id,
            "to_locality": handover.to_locality,
            "receiver": handover.receiver_name,
            "room_vacated": stay.room_id if stay else None,
            "second_quarantine_episode": follow_up.pk if follow_up else None,
        },
    )
    return handover


def _second_quarantine(*, actor: Any, episode: IsolationEpisode, arrival: Any, at: dt.datetime) -> IsolationEpisode:
    """Where the policy requires it (inbound.second_quarantine_at_destination = true), the destination
    community receives the traveller into a new central isolation."""
    from .episodes import open_episode

    community = Community.objects.get(pk=episode.community_id)
    return open_episode(
        actor=actor,
        person=episode.person,
        kind=EpisodeKind.INBOUND,
        at=at,
        source=_("目的地再次集中隔离（入境 %(n)s）") % {"n": arrival.number},
        party=episode.party,
        destination=community,
    )


def _require_home_side(actor: Any, episode: IsolationEpisode, what: str) -> None:
    """The home phase belongs to the person's places (community, its grid, street, district), not to the site."""
    require(actor, IsolationCap.HANDOVER)
    j = jurisdiction_of(actor)
    if j.city or any(getattr(episode, f"{level}_id") in j.covered.get(level, ()) for level in ("district", "street", "community", "grid")):
        return
    raise PermissionRefused(
        _("只有该人员所在社区（网格、街道、区县）的工作人员可以%(what)s") % {"what": what}, rule="isolation.receiving_community"
    )


@transaction.atomic
def home_isolation_start(*, actor: Any, episode: IsolationEpisode, at: dt.datetime | None = None) -> IsolationEpisode:
    """点对点: the community has taken the person home; home isolation (or monitoring) begins."""
    _require_home_side(actor, episode, _("登记居家隔离"))
    at = aware(at)
    not_in_future(at, field="at", label=_("居家隔离开始时间"))
    episode = lock_episode(episode)
    before = set_status(episode, EpisodeStatus.HOME_ISOLATION, _("开始居家隔离"))
    episode.home_started_at = at
    episode.save(update_fields=["status", "home_started_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.HOME_STARTED,
        obj=episode,
        before={"status": before},
        after={"status": episode.status, "home_until": episode.home_until, "mode": episode.home_mode},
    )
    return episode


@transaction.atomic
def home_check_record(
    *,
    actor: Any,
    episode: IsolationEpisode,
    at: dt.datetime | None = None,
    at_home: bool = True,
    temperature: Decimal | float | str | None = None,
    symptoms: bool = False,
    note: str = "",
) -> HomeCheck:
    """The daily check of a person in home isolation (one per local day)."""
    _require_home_side(actor, episode, _("登记居家核查"))
    at = aware(at)
    not_in_future(at, field="at", label=_("核查时间"))
    episode = lock_episode(episode)
    if episode.status != EpisodeStatus.HOME_ISOLATION:
        raise DomainError(
            _("该人员当前为“%(s)s”，不能登记居家核查") % {"s": episode.get_status_display()}, rule="isolation.episode_transitions"
        )
    day = local_date(at)
    if HomeCheck.objects.filter(episode=episode, date=day).exists():
        raise DomainError(_("%(d)s 已登记过居家核查") % {"d": day.isoformat()}, rule=HOME_DAILY_CHECK)
    temp = None if temperature in (None, "") else celsius(temperature, label=_("体温"))
    check = HomeCheck.objects.create(
        episode=episode,
        date=day,
        checked_at=at,
        checked_by=actor if getattr(actor, "is_authenticated", False) else None,
        at_home=at_home,
        temperature=temp,
        symptoms=symptoms,
        note=note[:200],
    )
    audit_record(
        actor=actor,
        event_type=events.HOME_CHECK_RECORDED,
        obj=episode,
        after={"date": day, "at_home": at_home, "temperature": temp, "symptoms": symptoms},
    )
    return check


def missing_home_check_days(episode: IsolationEpisode) -> list[dt.date]:
    """Home days (from the day home isolation began to the last home day) without a daily check."""
    first = home_day_one(episode)
    if first is None or episode.home_started_at is None:
        return []
    start = max(first, local_date(episode.home_started_at))
    last = local_date(episode.home_until) - dt.timedelta(days=1)
    done = set(HomeCheck.objects.filter(episode=episode).values_list("date", flat=True))
    days = [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]
    return [d for d in days if d not in done]


@transaction.atomic
def episode_complete(*, actor: Any, episode: IsolationEpisode, at: dt.datetime | None = None) -> IsolationEpisode:
    """期满解除: the home phase is over, every home test negative and every day checked."""
    _require_home_side(actor, episode, _("解除居家隔离"))
    at = aware(at)
    not_in_future(at, field="at", label=_("解除时间"))
    episode = lock_episode(episode)
    if episode.status != EpisodeStatus.HOME_ISOLATION:
        raise DomainError(
            _("该人员当前为“%(s)s”，不能解除居家隔离") % {"s": episode.get_status_display()}, rule="isolation.episode_transitions"
        )
    days_key = (
        "secondary_contact.home_days" if episode.kind == EpisodeKind.SECONDARY_CONTACT else f"{KIND_POLICY_PREFIX[episode.kind]}.home_days"
    )
    if episode.home_until is None or at < episode.home_until:
        until = local_date(episode.home_until).isoformat() if episode.home_until else "-"
        raise DomainError(
            _("居家 %(n)s 天至 %(until)s 0:00 期满，期满前不能解除") % {"n": episode.home_days, "until": until},
            rule=days_key,
            source=episode.regimen_rules,
        )
    tests = _tests_in_order(episode, TestPhase.HOME)
    _require_all_negative(tests, key=home_test_key(episode), rule_text=tests[0].rule if tests else "", what=_("解除居家隔离"))
    missing = missing_home_check_days(episode)
    if missing:
        raise DomainError(
            _("%(days)s 未登记居家核查，不能解除") % {"days": "、".join(d.isoformat() for d in missing)}, rule=HOME_DAILY_CHECK
        )
    before = end_episode(episode, to=EpisodeStatus.COMPLETED, at=at, reason=_("隔离期满，检测均为阴性"), action=_("解除"))
    episode.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    audit_record(actor=actor, event_type=events.EPISODE_COMPLETED, obj=episode, before={"status": before}, after={"status": episode.status})
    return episode
