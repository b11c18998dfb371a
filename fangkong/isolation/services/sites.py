"""Isolation sites: the site, its rooms and staff, the daily internal-management checklist, incidents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_in_future, now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.idnumbers import phone_field
from fangkong.geo.models import Community
from fangkong.policy.regimen import local_date, local_midnight

from .. import events
from ..choices import ROOM_TYPE_CAPACITY, ChecklistGap, IncidentKind, RoomType, Severity, SiteKind, StaffDuty
from ..models import IsolationEpisode, IsolationSite, Room, RoomStay, SiteDailyChecklist, SiteIncident, SiteStaff
from ..permissions import IsolationCap
from .common import covers_place, require_site

MAX_ERRORS_SHOWN = 20


@transaction.atomic
def site_create(
    *,
    actor: Any,
    name: str,
    community: Community,
    kind: str = SiteKind.HOTEL,
    address: str = "",
    capacity: int = 0,
    manager_name: str = "",
    phone: str = "",
    receives_inbound: bool = False,
) -> IsolationSite:
    """A new isolation site in `community` (by the city, or the office of its district or street)."""
    require(actor, IsolationCap.MANAGE)
    if not covers_place(
        jurisdiction_of(actor), district_id=community.district_id, street_id=community.street_id, community_id=community.pk
    ):
        raise PermissionRefused(_("该社区不在您的管辖范围内"), rule="isolation.site_scope")
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写隔离点名称"), field="name")
    if kind not in SiteKind.values:
        raise DomainError(_("隔离点类型无效"), field="kind")
    if IsolationSite.objects.filter(name=name).exists():
        raise DomainError(_("隔离点“%(n)s”已存在") % {"n": name}, field="name", rule="isolation.site_unique_name")
    site = IsolationSite.objects.create(
        name=name,
        kind=kind,
        district_id=community.district_id,
        street_id=community.street_id,
        community=community,
        address=address.strip(),
        capacity=max(int(capacity or 0), 0),
        manager_name=manager_name.strip(),
        phone=phone_field(phone, required=False),
        receives_inbound=receives_inbound,
    )
    audit_record(
        actor=actor,
        event_type=events.SITE_CREATED,
        obj=site,
        after={"name": name, "kind": kind, "community": community.pk, "capacity": capacity},
    )
    return site


@dataclass(frozen=True)
class RoomSpec:
    number: str
    floor: int | None = None
    room_type: str = RoomType.SINGLE
    capacity: int | None = None  # None: the type's usual capacity


def rooms_by_floor(
    floors: Iterable[int], per_floor: int, *, room_type: str = RoomType.SINGLE, capacity: int | None = None
) -> list[RoomSpec]:
    """Rooms numbered the hotel way: floor 3, 20 rooms → 301 … 320."""
    width = max(2, len(str(per_floor)))
    return [RoomSpec(f"{f}{i:0{width}d}", f, room_type, capacity) for f in floors for i in range(1, per_floor + 1)]


@transaction.atomic
def room_create_many(*, actor: Any, site: IsolationSite, rooms: Sequence[RoomSpec]) -> list[Room]:
    """Add rooms to a site, all or none: every bad row is named and nothing is written."""
    require(actor, IsolationCap.MANAGE)
    require_site(actor, site)
    if not rooms:
        raise DomainError(_("请至少填写一个房间"), field="rooms")
    existing = set(Room.objects.filter(site=site).values_list("number", flat=True))
    seen: set[str] = set()
    errors: list[str] = []
    objs: list[Room] = []
    for i, spec in enumerate(rooms, start=1):
        number = (spec.number or "").strip()
        if not number or len(number) > 16:
            errors.append(_("第 %(i)s 行：房间号为空或过长") % {"i": i})
            continue
        if number in existing or number in seen:
            errors.append(_("第 %(i)s 行：房间号 %(n)s 重复") % {"i": i, "n": number})
            continue
        seen.add(number)
        if spec.room_type not in RoomType.values:
            errors.append(_("第 %(i)s 行：房型无效") % {"i": i})
            continue
        capacity = spec.capacity if spec.capacity is not None else ROOM_TYPE_CAPACITY[spec.room_type]
        if capacity < 1 or capacity > 20:
            errors.append(_("第 %(i)s 行：可住人数应为 1–20") % {"i": i})
            continue
        objs.append(Room(site=site, number=number, floor=spec.floor, room_type=spec.room_type, capacity=capacity))
    if errors:
        more = _("……共 %(n)s 处错误") % {"n": len(errors)} if len(errors) > MAX_ERRORS_SHOWN else ""
        raise DomainError(_("未写入任何房间，请修正后重新提交：") + "；".join(errors[:MAX_ERRORS_SHOWN]) + more, field="rooms")
    created = Room.objects.bulk_create(objs)
    audit_record(
        actor=actor,
        event_type=events.ROOMS_CREATED,
        obj=site,
        count=len(created),
        after={"rooms": len(created), "beds": sum(r.capacity for r in created)},
    )
    return created


@transaction.atomic
def staff_add(*, actor: Any, site: IsolationSite, name: str, duty: str, phone: str = "", user: Any = None) -> SiteStaff:
    require(actor, IsolationCap.MANAGE)
    require_site(actor, site)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写姓名"), field="name")
    if duty not in StaffDuty.values:
        raise DomainError(_("岗位无效"), field="duty")
    staff = SiteStaff.objects.create(site=site, name=name, duty=duty, phone=phone_field(phone, required=False), user=user)
    audit_record(actor=actor, event_type=events.STAFF_ADDED, obj=staff, after={"site": site.pk, "duty": duty})
    return staff


# ---- the daily internal-management checklist ----


def occupied_rooms_on(site: IsolationSite, day: dt.date) -> int:
    """Rooms of the site with someone in them at any time on the local day `day`."""
    start, end = local_midnight(day), local_midnight(day + dt.timedelta(days=1))
    return (
        RoomStay.objects.filter(room__site=site, started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .values("room_id")
        .distinct()
        .count()
    )


def checklist_gaps(c: SiteDailyChecklist) -> list[dict[str, Any]]:
    """What the checklist shows falling short (an empty list: nothing)."""
    gaps: list[dict[str, Any]] = []
    if not c.cleaning_done:
        gaps.append({"code": ChecklistGap.CLEANING, "detail": str(ChecklistGap.CLEANING.label)})
    if not c.disinfection_done:
        gaps.append({"code": ChecklistGap.DISINFECTION, "detail": str(ChecklistGap.DISINFECTION.label)})
    short = {
        _("早餐"): c.meals_breakfast_rooms,
        _("午餐"): c.meals_lunch_rooms,
        _("晚餐"): c.meals_dinner_rooms,
    }
    missed = [f"{meal} {n}/{c.occupied_rooms}" for meal, n in short.items() if n < c.occupied_rooms]
    if missed:
        gaps.append({"code": ChecklistGap.MEALS, "detail": _("送餐未覆盖全部在住房间：") + "，".join(missed)})
    if c.staff_health_checked < c.staff_on_duty or c.staff_unwell:
        gaps.append(
            {
                "code": ChecklistGap.STAFF_HEALTH,
                "detail": _("工作人员健康监测 %(c)s/%(n)s，异常 %(u)s 人")
                % {"c": c.staff_health_checked, "n": c.staff_on_duty, "u": c.staff_unwell},
            }
        )
    return gaps


@transaction.atomic
def checklist_record(
    *,
    actor: Any,
    site: IsolationSite,
    day: dt.date | None = None,
    cleaning_done: bool,
    disinfection_done: bool,
    meals_breakfast_rooms: int = 0,
    meals_lunch_rooms: int = 0,
    meals_dinner_rooms: int = 0,
    staff_on_duty: int = 0,
    staff_health_checked: int = 0,
    staff_unwell: int = 0,
    note: str = "",
) -> SiteDailyChecklist:
    """Record (or update, as the day goes on) a site's checklist; the gaps are computed and stored."""
    require(actor, IsolationCap.MANAGE)
    require_site(actor, site)
    today = local_date(now())
    day = day or today
    if day > today:
        raise DomainError(_("不能填报未来日期的检查"), field="day")
    counts = {
        "meals_breakfast_rooms": meals_breakfast_rooms,
        "meals_lunch_rooms": meals_lunch_rooms,
        "meals_dinner_rooms": meals_dinner_rooms,
        "staff_on_duty": staff_on_duty,
        "staff_health_checked": staff_health_checked,
        "staff_unwell": staff_unwell,
    }
    for key, value in counts.items():
        if value is None or int(value) < 0:
            raise DomainError(_("数量不能为负"), field=key)
    if staff_health_checked > staff_on_duty or staff_unwell > staff_on_duty:
        raise DomainError(_("健康监测人数不能多于在岗人数"), field="staff_health_checked")
    c = SiteDailyChecklist.objects.select_for_update().filter(site=site, date=day).first()
    before = None if c is None else {"gaps": [g["code"] for g in c.gaps]}
    c = c or SiteDailyChecklist(site=site, date=day)
    c.cleaning_done = cleaning_done
    c.disinfection_done = disinfection_done
    for key, value in counts.items():
        setattr(c, key, int(value))
    c.occupied_rooms = occupied_rooms_on(site, day)
    c.note = note[:300]
    c.gaps = checklist_gaps(c)
    c.recorded_at = now()
    c.recorded_by = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            c.save()
    except IntegrityError as exc:  # two people filed the first checklist of the day at once
        raise DomainError(_("%(d)s 的检查刚由他人填报，请刷新后修改") % {"d": day.isoformat()}, rule="isolation.checklist_daily") from exc
    audit_record(
        actor=actor,
        event_type=events.CHECKLIST_RECORDED,
        obj=c,
        before=before,
        after={"date": day, "occupied_rooms": c.occupied_rooms, "gaps": [g["code"] for g in c.gaps]},
    )
    return c


# ---- incidents ----


@transaction.atomic
def incident_record(
    *,
    actor: Any,
    site: IsolationSite,
    kind: str,
    description: str,
    occurred_at: dt.datetime | None = None,
    severity: str = Severity.LOW,
    room: Room | None = None,
    episode: IsolationEpisode | None = None,
) -> SiteIncident:
    require(actor, IsolationCap.MANAGE)
    require_site(actor, site)
    occurred_at = aware(occurred_at)
    not_in_future(occurred_at, field="occurred_at", label=_("发生时间"))
    if kind not in IncidentKind.values:
        raise DomainError(_("事件类型无效"), field="kind")
    if severity not in Severity.values:
        raise DomainError(_("事件等级无效"), field="severity")
    description = (description or "").strip()
    if not description:
        raise DomainError(_("请描述事件情况"), field="description")
    if room is not None and room.site_id != site.pk:
        raise DomainError(_("房间不属于该隔离点"), field="room")
    if episode is not None and episode.site_id != site.pk:
        raise DomainError(_("该人员不在本隔离点"), field="episode")
    incident = SiteIncident.objects.create(
        site=site,
        kind=kind,
        severity=severity,
        occurred_at=occurred_at,
        room=room,
        episode=episode,
        description=description,
        reported_at=now(),
        reported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        event_type=events.INCIDENT_RECORDED,
        obj=incident,
        after={"site": site.pk, "kind": kind, "severity": severity, "room": room.pk if room else None},
    )
    return incident


@transaction.atomic
def incident_resolve(*, actor: Any, incident: SiteIncident, resolution: str, at: dt.datetime | None = None) -> SiteIncident:
    require(actor, IsolationCap.MANAGE)
    require_site(actor, incident.site)
    at = aware(at)
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(_("请填写处置情况"), field="resolution")
    incident = SiteIncident.objects.select_for_update().get(pk=incident.pk)
    if incident.resolved_at is not None:
        raise DomainError(_("该事件已处置完毕"), rule="isolation.incident_once")
    if at < incident.occurred_at:
        raise DomainError(_("处置时间早于发生时间"), field="at")
    incident.resolved_at = at
    incident.resolution = resolution
    incident.save(update_fields=["resolved_at", "resolution"])
    audit_record(actor=actor, event_type=events.INCIDENT_RESOLVED, obj=incident, after={"resolved_at": at})
    return incident
