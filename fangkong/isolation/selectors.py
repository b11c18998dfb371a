"""Reads with rules for 快隔: occupancy, each site's daily sampling sheet, the 日清日结 board, pending
handovers, the home-isolation list, checklist gaps and the day's figures.

Every read is limited to the user's jurisdiction (visible_to for lists, covered_by for counts); a
site's staff see their own site and its residents only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fangkong.policy.regimen import local_date, local_midnight
from fangkong.results.choices import Result

from .choices import ChecklistGap, EpisodeKind, EpisodeStatus, HandoverStatus, TestPhase
from .delays import DistrictDelay, delay_by_district
from .models import (
    Handover,
    HomeCheck,
    InboundArrival,
    IsolationEpisode,
    IsolationSite,
    ReleaseOrder,
    Room,
    RoomStay,
    ScheduledTest,
    SiteDailyChecklist,
    SiteIncident,
)
from .tracing.selectors import contact_figures


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return local_midnight(day), local_midnight(day + dt.timedelta(days=1))


# ---- sites and rooms ----


def site_list(*, user: Any, active_only: bool = True) -> QuerySet[IsolationSite]:
    qs = IsolationSite.objects.visible_to(user).select_related("district", "street", "community")
    return qs.filter(is_active=True) if active_only else qs


def site_get(*, user: Any, pk: int) -> IsolationSite:
    return get_object_or_404(IsolationSite.objects.visible_to(user), pk=pk)


@dataclass
class SiteOccupancy:
    """隔离点 at a glance: rooms and beds, who is in, who is on the way, who waits for handover."""

    site: IsolationSite
    rooms: int = 0
    rooms_out_of_service: int = 0
    rooms_occupied: int = 0
    beds: int = 0
    people_in: int = 0
    arriving: int = 0
    pending_handover: int = 0
    free_rooms_by_type: dict[str, int] = field(default_factory=dict)

    @property
    def rooms_free(self) -> int:
        return max(self.rooms - self.rooms_out_of_service - self.rooms_occupied, 0)

    @property
    def occupancy_rate(self) -> float:
        usable = self.rooms - self.rooms_out_of_service
        return self.rooms_occupied / usable if usable else 0.0


def site_occupancy(*, user: Any, site: IsolationSite | None = None) -> list[SiteOccupancy]:
    """Occupancy of every site the user sees (or of one), from a few grouped queries."""
    sites = site_list(user=user)
    if site is not None:
        sites = sites.filter(pk=site.pk)
    rows = {s.pk: SiteOccupancy(site=s) for s in sites.order_by("name")}
    if not rows:
        return []
    ids = list(rows)
    for r in Room.objects.filter(site_id__in=ids).values("site_id", "is_active").annotate(n=Count("id"), beds=Sum("capacity")):
        o = rows[r["site_id"]]
        o.rooms += r["n"]
        if r["is_active"]:
            o.beds += r["beds"] or 0
        else:
            o.rooms_out_of_service += r["n"]
    open_stays = RoomStay.objects.filter(room__site_id__in=ids, ended_at__isnull=True)
    occupied_ids = set(open_stays.values_list("room_id", flat=True))
    for r in open_stays.values("room__site_id").annotate(people=Count("id"), rooms=Count("room_id", distinct=True)):
        rows[r["room__site_id"]].people_in = r["people"]
        rows[r["room__site_id"]].rooms_occupied = r["rooms"]
    free = Room.objects.filter(site_id__in=ids, is_active=True).exclude(pk__in=occupied_ids)
    for r in free.values("site_id", "room_type").annotate(n=Count("id")):
        rows[r["site_id"]].free_rooms_by_type[r["room_type"]] = r["n"]
    for r in IsolationEpisode.objects.filter(site_id__in=ids, status=EpisodeStatus.IN_TRANSIT).values("site_id").annotate(n=Count("id")):
        rows[r["site_id"]].arriving = r["n"]
    for r in Handover.objects.filter(from_site_id__in=ids, status=HandoverStatus.PENDING).values("from_site_id").annotate(n=Count("id")):
        rows[r["from_site_id"]].pending_handover = r["n"]
    return list(rows.values())


@dataclass
class RoomRow:
    room: Room
    stays: list[RoomStay]

    @property
    def free_beds(self) -> int:
        return max(self.room.capacity - len(self.stays), 0) if self.room.is_active else 0

    @property
    def party(self) -> str:
        return self.stays[0].party if self.stays else ""


def room_board(*, user: Any, site: IsolationSite) -> list[RoomRow]:
    """Every room of a site with who is in it now (the site's room plan)."""
    site = site_get(user=user, pk=site.pk)
    stays: dict[int, list[RoomStay]] = defaultdict(list)
    for s in RoomStay.objects.filter(room__site=site, ended_at__isnull=True).select_related("person", "episode").order_by("started_at"):
        stays[s.room_id].append(s)
    return [RoomRow(room, stays.get(room.pk, [])) for room in Room.objects.filter(site=site).order_by("floor", "number")]


def residents(*, user: Any, site: IsolationSite) -> QuerySet[IsolationEpisode]:
    """The people the site is responsible for now: in a room, or released and awaiting handover."""
    return IsolationEpisode.objects.visible_to(user).at_site(site.pk).select_related("person").order_by("checked_in_at", "id")


# ---- the daily sampling sheet ----


@dataclass
class SheetRow:
    test: ScheduledTest
    episode: IsolationEpisode
    room_number: str
    is_make_up: bool  # due on an earlier day and still without a valid result (补采)


def site_day_sheet(*, user: Any, site: IsolationSite, day: dt.date) -> list[SheetRow]:
    """Who must be sampled at the site on `day` (central-phase tests due that day, and any earlier one
    still without a result), by room."""
    site = site_get(user=user, pk=site.pk)
    tests = (
        ScheduledTest.objects.visible_to(user)
        .filter(
            phase=TestPhase.CENTRAL,
            episode__site=site,
            episode__status=EpisodeStatus.CHECKED_IN,
        )
        .filter(Q(due_date=day) | Q(due_date__lt=day) & (Q(result="") | Q(result=Result.INVALID)))
        .select_related("episode__person")
    )
    rooms = dict(
        RoomStay.objects.filter(room__site=site, ended_at__isnull=True, episode__in=[t.episode_id for t in tests]).values_list(
            "episode_id", "room__number"
        )
    )
    rows = [SheetRow(t, t.episode, rooms.get(t.episode_id, ""), t.due_date < day) for t in tests]
    rows.sort(key=lambda r: (r.room_number, r.episode.pk, r.test.day_number))
    return rows


def releases_due(*, user: Any, day: dt.date) -> QuerySet[IsolationEpisode]:
    """In a room with the central phase ending by the end of `day` (or already past): to release."""
    _start, end = _day_bounds(day)
    return (
        IsolationEpisode.objects.visible_to(user)
        .filter(status=EpisodeStatus.CHECKED_IN, central_until__lt=end)
        .select_related("person", "site")
        .order_by("central_until", "id")
    )


# ---- boards ----


def awaiting_isolation_board(*, user: Any, now: dt.datetime | None = None, contacts_only: bool = False) -> QuerySet[IsolationEpisode]:
    """日清日结: everyone identified and not yet in a room, overdue first, then by deadline. A contact
    (流调) comes with the contact record and the cases traced (`episode.contact.links.all`);
    `contacts_only`: the contacts alone (the 流调 board)."""
    now = now or timezone.now()
    qs = IsolationEpisode.objects.visible_to(user).awaiting()
    if contacts_only:
        qs = qs.filter(contact__isnull=False)
    return (
        qs.select_related("person", "site", "district", "community", "contact")
        .prefetch_related("contact__links__case__person", "contact__links__via__person")
        .annotate(is_overdue=Case(When(isolate_by__lt=now, then=Value(True)), default=Value(False), output_field=BooleanField()))
        # Overdue first, then by deadline, is the deadline's own order (NULLS LAST): the partial index
        # isolation_ep_awaiting walks it and stops after a page.
        .order_by(F("isolate_by").asc(nulls_last=True), "identified_at", "id")
    )


def pending_handovers(*, user: Any) -> QuerySet[Handover]:
    """Handovers waiting for the receiving side: a community sees those coming to it, a site its own."""
    return (
        Handover.objects.visible_to(user)
        .pending()
        .select_related("episode__person", "from_site", "to_community", "release_order")
        .order_by("created_at", "id")
    )


def returning_home(*, user: Any) -> QuerySet[IsolationEpisode]:
    """Released from central isolation and not yet at home: waiting for the handover (confirmed by
    the receiving community) or on the way back — the grid worker meets them and checks on them."""
    return (
        IsolationEpisode.objects.visible_to(user)
        .filter(status__in=(EpisodeStatus.RELEASED_PENDING_HANDOVER, EpisodeStatus.HANDED_OVER))
        .select_related("person", "site")
        .order_by("released_at", "id")
    )


def home_isolation_list(*, user: Any, day: dt.date | None = None) -> QuerySet[IsolationEpisode]:
    """People handed over or in home isolation, with whether today's check is done and a test is due."""
    day = day or local_date(timezone.now())
    checked = HomeCheck.objects.filter(episode=OuterRef("pk"), date=day)
    test_due = ScheduledTest.objects.filter(episode=OuterRef("pk"), phase=TestPhase.HOME, due_date__lte=day).filter(
        Q(result="") | Q(result=Result.INVALID)
    )
    return (
        IsolationEpisode.objects.visible_to(user)
        .filter(status__in=(EpisodeStatus.HANDED_OVER, EpisodeStatus.HOME_ISOLATION))
        .select_related("person", "community", "grid")
        .annotate(checked_today=Exists(checked), test_due=Exists(test_due))
        .order_by("community_id", "grid_id", "home_until", "id")
    )


def episode_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[IsolationEpisode]:
    filters = filters or {}
    qs = IsolationEpisode.objects.visible_to(user).select_related("person", "site", "community")
    for key in ("status", "kind", "site_id", "district_id", "community_id"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    return qs.order_by("-identified_at", "-id")


def episode_get(*, user: Any, pk: int) -> IsolationEpisode:
    qs = IsolationEpisode.objects.visible_to(user).select_related("person", "site", "isolate_by_citation", "regimen_citation")
    return get_object_or_404(qs, pk=pk)


def arrival_list(*, user: Any) -> QuerySet[InboundArrival]:
    return InboundArrival.objects.visible_to(user).select_related("episode", "person", "entry_site").order_by("-arrived_at", "-id")


# ---- internal management ----


@dataclass
class ChecklistStatus:
    site: IsolationSite
    checklist: SiteDailyChecklist | None

    @property
    def gaps(self) -> list[dict[str, Any]]:
        if self.checklist is None:
            return [{"code": ChecklistGap.NOT_RECORDED, "detail": str(ChecklistGap.NOT_RECORDED.label)}]
        return list(self.checklist.gaps)

    @property
    def has_gaps(self) -> bool:
        return bool(self.gaps)


def checklist_status(*, user: Any, day: dt.date) -> list[ChecklistStatus]:
    """Each active site's checklist for `day`; a missing checklist is itself a gap. Sites with gaps first."""
    sites = list(site_list(user=user).order_by("name"))
    lists = {c.site_id: c for c in SiteDailyChecklist.objects.filter(site__in=sites, date=day)}
    rows = [ChecklistStatus(s, lists.get(s.pk)) for s in sites]
    rows.sort(key=lambda r: (not r.has_gaps, r.site.name))
    return rows


def incident_list(*, user: Any, open_only: bool = False) -> QuerySet[SiteIncident]:
    qs = SiteIncident.objects.visible_to(user).select_related("site", "room")
    return qs.filter(resolved_at__isnull=True) if open_only else qs


# ---- the day's figures ----


@dataclass
class Figures:
    """快隔 figures for one local day, inside the user's jurisdiction."""

    day: dt.date
    identified: dict[str, int] = field(default_factory=dict)  # by kind
    due: int = 0  # episodes whose isolation deadline fell on the day
    isolated_in_time: int = 0
    isolated_late: int = 0
    still_awaiting: int = 0
    overdue_now: int = 0
    in_isolation_by_site: dict[str, int] = field(default_factory=dict)
    checked_in: int = 0
    released: int = 0
    handed_over: int = 0
    pending_handovers: int = 0
    in_home_isolation: int = 0
    completed: int = 0
    turned_positive: int = 0
    delay_by_district: list[DistrictDelay] = field(default_factory=list)
    # 流调: contacts identified on the day (by kind), isolated within their deadline or not, and the
    # hours from identification to isolation of the contacts isolated that day, by district.
    contacts_identified: dict[str, int] = field(default_factory=dict)
    contacts_isolated_in_time: int = 0
    contacts_isolated_late: int = 0
    contacts_still_awaiting: int = 0
    contact_delay_by_district: list[DistrictDelay] = field(default_factory=list)

    @property
    def identified_total(self) -> int:
        return sum(self.identified.values())

    @property
    def contacts_identified_total(self) -> int:
        return sum(self.contacts_identified.values())

    @property
    def contacts_in_time_share(self) -> float | None:
        """Of the day's contacts, the share isolated by their deadline (日清日结)."""
        counted = self.contacts_isolated_in_time + self.contacts_isolated_late + self.contacts_still_awaiting
        return self.contacts_isolated_in_time / counted if counted else None

    @property
    def in_time_share(self) -> float | None:
        return self.isolated_in_time / self.due if self.due else None

    @property
    def in_isolation_total(self) -> int:
        return sum(self.in_isolation_by_site.values())


def figures(*, user: Any, day: dt.date, now: dt.datetime | None = None) -> Figures:
    """The day's 快隔 figures, with the contacts 流调 identified (tracing.selectors.contact_figures)."""
    now = now or timezone.now()
    start, end = _day_bounds(day)
    cutoff = min(end, now)
    episodes = IsolationEpisode.objects.covered_by(user)
    f = Figures(day=day)
    for r in episodes.filter(identified_at__gte=start, identified_at__lt=end).values("kind").annotate(n=Count("id")):
        f.identified[r["kind"]] = r["n"]
    for kind in EpisodeKind.values:
        f.identified.setdefault(kind, 0)
    due = episodes.filter(isolate_by__gt=start, isolate_by__lte=end).exclude(status=EpisodeStatus.CANCELLED)
    for isolate_by, checked_in_at, status in due.values_list("isolate_by", "checked_in_at", "status"):
        f.due += 1
        if checked_in_at is not None and checked_in_at <= isolate_by:
            f.isolated_in_time += 1
        elif checked_in_at is not None:
            f.isolated_late += 1
        elif status in (EpisodeStatus.AWAITING_TRANSFER, EpisodeStatus.IN_TRANSIT):
            f.still_awaiting += 1
    f.overdue_now = episodes.overdue(now).count()
    stays = (
        RoomStay.objects.filter(episode__in=episodes, started_at__lt=cutoff)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=cutoff))
        .values("room__site__name")
        .annotate(n=Count("id"))
    )
    f.in_isolation_by_site = {r["room__site__name"]: r["n"] for r in stays.order_by("room__site__name")}
    f.checked_in = episodes.filter(checked_in_at__gte=start, checked_in_at__lt=end).count()
    f.released = ReleaseOrder.objects.filter(episode__in=episodes, ordered_at__gte=start, ordered_at__lt=end).count()
    f.handed_over = Handover.objects.filter(episode__in=episodes, confirmed_at__gte=start, confirmed_at__lt=end).count()
    f.pending_handovers = Handover.objects.covered_by(user).pending().count()
    f.in_home_isolation = episodes.filter(status=EpisodeStatus.HOME_ISOLATION).count()
    ended = episodes.filter(ended_at__gte=start, ended_at__lt=end)
    f.completed = ended.filter(status=EpisodeStatus.COMPLETED).count()
    f.turned_positive = ended.filter(status=EpisodeStatus.TURNED_POSITIVE).count()
    contact_figures(f, user=user, start=start, end=end, now=now)
    f.delay_by_district = _delay_by_district(episodes.filter(checked_in_at__gte=start, checked_in_at__lt=end))
    return f


def contact_day_figures(*, user: Any, day: dt.date, now: dt.datetime) -> Figures:
    """Only the 流调 part of the day's figures (tracing.selectors.contact_figures): for the board."""
    start, end = _day_bounds(day)
    f = Figures(day=day)
    contact_figures(f, user=user, start=start, end=end, now=now)
    return f


def _delay_by_district(qs: QuerySet[IsolationEpisode]) -> list[DistrictDelay]:
    """Hours from identification to check-in, by the person's district."""
    return delay_by_district(qs.values_list("district_id", "identified_at", "checked_in_at"))


# ---- single objects and choices for the pages (each through the user's scope: outside → 404) ----


def handover_get(*, user: Any, pk: int) -> Handover:
    qs = Handover.objects.visible_to(user).select_related("episode__person", "from_site", "to_community", "release_order")
    return get_object_or_404(qs, pk=pk)


def test_get(*, user: Any, pk: int) -> ScheduledTest:
    return get_object_or_404(ScheduledTest.objects.visible_to(user).select_related("episode__person", "episode__site"), pk=pk)


def incident_get(*, user: Any, pk: int) -> SiteIncident:
    return get_object_or_404(SiteIncident.objects.visible_to(user).select_related("site", "room"), pk=pk)


def site_checklists(*, user: Any, site: IsolationSite, days: int = 14) -> list[SiteDailyChecklist]:
    """The site's latest checklists (newest first)."""
    site = site_get(user=user, pk=site.pk)
    return list(SiteDailyChecklist.objects.filter(site=site).select_related("recorded_by").order_by("-date")[:days])


@dataclass
class RoomChoice:
    """A room someone may be put in: empty, or holding only their own party with a bed free."""

    room: Room
    occupants: int
    same_party: bool

    @property
    def free_beds(self) -> int:
        return self.room.capacity - self.occupants


def assignable_rooms(*, user: Any, site: IsolationSite, party: str, exclude_room_id: int | None = None) -> list[RoomChoice]:
    """The rooms of a site that can take one more person of `party` (isolation.room_one_party and
    isolation.room_capacity, as services.room_assign holds them): rooms of the same party first."""
    site = site_get(user=user, pk=site.pk)
    parties: dict[int, list[str]] = defaultdict(list)
    for room_id, p in RoomStay.objects.filter(room__site=site, ended_at__isnull=True).values_list("room_id", "party"):
        parties[room_id].append(p)
    choices = []
    for room in Room.objects.filter(site=site, is_active=True).order_by("floor", "number"):
        inside = parties.get(room.pk, [])
        if room.pk == exclude_room_id or len(inside) >= room.capacity or any(p != party for p in inside):
            continue
        choices.append(RoomChoice(room, len(inside), bool(inside)))
    choices.sort(key=lambda c: (not c.same_party, c.room.floor or 0, c.room.number))
    return choices
