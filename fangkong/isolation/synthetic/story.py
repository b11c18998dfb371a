"""The synthetic 快隔 story, step by step through the 快隔 services (the package's docstring tells it)."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.db.models import Count

from fangkong.cases.lookups import people_with_cases, visible_case
from fangkong.geo.models import Community, Person
from fangkong.geo.synthetic.names import NameMaker
from fangkong.policy.regimen import DAY_ONE_OFFSET, LOCAL_TZ, local_date, local_midnight
from fangkong.results.choices import Result

from ..choices import (
    ArrivalMode,
    EpisodeKind,
    ExposureType,
    IncidentKind,
    RoomType,
    Severity,
    SiteKind,
    StaffDuty,
    TestPhase,
    TransportMode,
)
from ..models import IsolationEpisode, IsolationSite, Room, RoomStay, ScheduledTest
from ..services import (
    RoomSpec,
    checklist_record,
    episode_check_in,
    episode_complete,
    episode_open,
    episode_transit,
    handover_confirm,
    home_check_record,
    home_isolation_start,
    home_test_record,
    inbound_register,
    incident_record,
    incident_resolve,
    occupied_rooms_on,
    regimen_plan,
    release_order,
    room_create_many,
    rooms_by_floor,
    site_create,
    staff_add,
    test_record,
)
from .sites import CHECKLIST_DAYS, DEMO_COMMUNITY, DEMO_DISTRICT, DEMO_STREET, PORT, SITES, SOURCES, STAFF, SiteSpec
from .traced import Traced

if TYPE_CHECKING:
    from fangkong.cases.models import Case


class Story(Traced):
    def __init__(self, *, seed: int, now: dt.datetime, actor: Any) -> None:
        self.rng = random.Random(seed)
        self.names = NameMaker(self.rng)
        self.now = now
        # Before 02:00 the story is set a day earlier: "today's" release (after midnight) must fit before now.
        local_now = now.astimezone(LOCAL_TZ)
        self.today = local_now.date() - dt.timedelta(days=1 if local_now.hour < 2 else 0)
        self.actor = actor
        # People with a case (快转's demo) are not picked: a contact may not be an active case.
        self.used: set[int] = people_with_cases()
        # Everyone in the registry, in an order fixed by the seed: people anywhere in the city are drawn from it.
        self.pool = list(Person.objects.filter(community__isnull=False).order_by("id").values_list("id", flat=True))
        self.rng.shuffle(self.pool)
        self.room_party: dict[int, str] = {}  # room id → party in it (one party per room)
        self.room_free: dict[int, int] = {}  # room id → free beds

    # -------- time

    def at(self, days: int, hour: int, minute: int = 0, *, margin: int = 10) -> dt.datetime:
        """Local time on day today+days, and never later than `margin` minutes before now."""
        when = local_midnight(self.today + dt.timedelta(days=days)) + dt.timedelta(hours=hour, minutes=minute)
        return min(when, self.now - dt.timedelta(minutes=margin))

    def day_at(self, day: dt.date, hour: int, minute: int = 0, *, margin: int = 10) -> dt.datetime:
        return self.at((day - self.today).days, hour, minute, margin=margin)

    # -------- the run

    def run(self) -> None:
        plan = regimen_plan(EpisodeKind.CLOSE_CONTACT)
        self.central, self.home = plan.central_days, plan.home_days
        self.offset = DAY_ONE_OFFSET[plan.convention]
        self.demo = Community.objects.filter(name=DEMO_COMMUNITY, street__name=DEMO_STREET, district__code=DEMO_DISTRICT).first()
        self.sites = [self.site(spec) for spec in SITES]
        self.rooms = {s.pk: list(Room.objects.filter(site=s).order_by("floor", "number")) for s in self.sites}
        for rooms in self.rooms.values():
            for r in rooms:
                self.room_free[r.pk] = r.capacity
        self.episodes()
        self.inbound()
        self.checklists()
        self.incidents()

    def site(self, spec: SiteSpec) -> IsolationSite:
        community = (
            Community.objects.filter(district__code=spec.district).exclude(pk=getattr(self.demo, "pk", None)).order_by("id").first()
            or Community.objects.order_by("id").first()
        )
        site = site_create(
            actor=self.actor,
            name=spec.name,
            community=community,
            kind=SiteKind.HOTEL,
            address=spec.address,
            capacity=0,
            manager_name=spec.manager,
            phone=spec.phone,
            receives_inbound=spec.receives_inbound,
        )
        specs: list[RoomSpec] = []
        for room_type, first, last, per_floor in spec.rooms:
            specs += rooms_by_floor(range(first, last + 1), per_floor, room_type=room_type)
        rooms = room_create_many(actor=self.actor, site=site, rooms=specs)
        IsolationSite.objects.filter(pk=site.pk).update(capacity=sum(r.capacity for r in rooms))
        for duty, sex in STAFF:
            name = spec.manager if duty == StaffDuty.MANAGER else self.names.han(self.names.surname(), sex, 1985)
            staff_add(actor=self.actor, site=site, name=name, duty=duty, phone=f"139{self.rng.randint(10_000_000, 99_999_999)}")
        return site

    # -------- people

    def people(self, community: Community | None, n: int = 1, *, household: bool = False) -> list[Person]:
        """n unused people of a community (or of the city); household=True: n members of one household."""
        qs = Person.objects.filter(community__isnull=False).exclude(pk__in=self.used)
        if community is not None:
            qs = qs.filter(community=community)
        if household:
            sizes = qs.values("household_id").annotate(k=Count("id")).filter(k__gte=n).order_by("household_id")
            ids = [r["household_id"] for r in sizes]
            household_id = self.rng.choice(ids)
            chosen = list(qs.filter(household_id=household_id).order_by("id")[:n])
        elif community is None:
            picked: list[int] = []
            while len(picked) < n:
                pk = self.pool.pop()
                if pk not in self.used:
                    picked.append(pk)
            chosen = list(Person.objects.filter(pk__in=picked).order_by("id"))
        else:
            ids = list(qs.order_by("id").values_list("id", flat=True)[:2000])
            chosen = list(Person.objects.filter(pk__in=self.rng.sample(ids, n)).order_by("id"))
        self.used.update(p.pk for p in chosen)
        return chosen

    def room_for(self, site: IsolationSite, party: str, size: int) -> Room:
        """A room for a party: its own room if it has one here, else an empty room of the right type."""
        for r in self.rooms[site.pk]:
            if self.room_party.get(r.pk) == party and self.room_free[r.pk] > 0:
                return r
        wanted = RoomType.SINGLE if size == 1 else RoomType.DOUBLE if size == 2 else RoomType.FAMILY
        empty = [r for r in self.rooms[site.pk] if r.pk not in self.room_party]
        room = next((r for r in empty if r.room_type == wanted), None) or next(r for r in empty if r.capacity >= size)
        self.room_party[room.pk] = party
        return room

    def checked_in(
        self,
        people: list[Person],
        site: IsolationSite,
        check_in_day: int,
        *,
        skip: tuple[int, ...] = (),
        traced: tuple[Case, str, str] | None = None,
    ) -> list[IsolationEpisode]:
        """Opened that morning, checked in at noon; central tests of past days recorded negative.
        `traced` (case, exposure, place): 流调 recorded them as the case's close contacts (contact_add)."""
        episodes = []
        for p in people:
            identified_at = self.at(check_in_day, 8, 30, margin=180)
            if traced is not None:
                e = self.contact(traced[0], p, traced[1], traced[2], identified_at)
            else:
                source = "病例密接（同户）" if len(people) > 1 else self.rng.choice(SOURCES)
                e = episode_open(
                    actor=self.actor, person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=identified_at, source=source,
                )  # fmt: skip
            episodes.append(self.check_in(e, site, check_in_day, len(people)))
        for e in episodes:
            self.record_central(e, skip=skip)
        return episodes

    def check_in(self, e: IsolationEpisode, site: IsolationSite, check_in_day: int, size: int = 1) -> IsolationEpisode:
        e = episode_transit(actor=self.actor, episode=e, site=site, at=self.at(check_in_day, 10, 30, margin=150))
        room = self.room_for(site, e.party, size)
        self.room_free[room.pk] -= 1
        return episode_check_in(actor=self.actor, episode=e, room=room, at=self.at(check_in_day, 12, 0, margin=120))

    def record_central(self, e: IsolationEpisode, *, skip: tuple[int, ...] = ()) -> None:
        checked_in = IsolationEpisode.objects.filter(pk=e.pk).values_list("checked_in_at", flat=True).get() or e.identified_at
        for t in ScheduledTest.objects.filter(episode=e, phase=TestPhase.CENTRAL, due_date__lt=self.today).order_by("day_number"):
            if t.day_number in skip:
                continue
            # Sampled in the morning of its day, but never before the person checked in (day 1 may be that day).
            sampled = max(self.day_at(t.due_date, 7, self.rng.randint(0, 50)), checked_in + dt.timedelta(minutes=30))
            resulted = max(self.day_at(t.due_date, 15, self.rng.randint(0, 59)), sampled + dt.timedelta(hours=2))
            test_record(actor=self.actor, test=t, result=Result.NEGATIVE, sampled_at=sampled, resulted_at=min(resulted, self.now))

    def release(self, e: IsolationEpisode, day: dt.date, **handover: Any) -> Any:
        return release_order(actor=self.actor, episode=e, at=self.day_at(day, 9, 0, margin=60), **handover)

    def confirm(self, e: IsolationEpisode, day: dt.date, receiver: str = "") -> None:
        h = e.handovers.get(status="pending")
        handover_confirm(
            actor=self.actor,
            handover=h,
            at=self.day_at(day, 10, 30, margin=30),
            receiver_name=receiver or self.names.han(self.names.surname(), "F", 1980) + "（社区）",
            receiver_phone=f"138{self.rng.randint(10_000_000, 99_999_999)}",
        )

    def home_phase(self, e: IsolationEpisode, start: dt.date, *, complete: bool) -> None:
        """Home from `start`: a check every past day (and today's when complete), past home tests negative."""
        e = home_isolation_start(actor=self.actor, episode=e, at=self.day_at(start, 11, 30, margin=20))
        last = local_date(e.home_until) - dt.timedelta(days=1)
        day = start
        while day <= min(last, self.today - dt.timedelta(days=1)):
            home_check_record(
                actor=self.actor, episode=e, at=self.day_at(day, 16, self.rng.randint(0, 59)),
                temperature=f"36.{self.rng.randint(2, 8)}", note="",
            )  # fmt: skip
            day += dt.timedelta(days=1)
        for t in ScheduledTest.objects.filter(episode=e, phase=TestPhase.HOME, due_date__lt=self.today).order_by("day_number"):
            home_test_record(
                actor=self.actor, test=t, result=Result.NEGATIVE,
                sampled_at=self.day_at(t.due_date, 8, 30), resulted_at=self.day_at(t.due_date, 17, 0),
            )  # fmt: skip
        if complete:
            episode_complete(actor=self.actor, episode=e, at=self.day_at(local_date(e.home_until), 9, 30))

    def released_checkin_day(self, release_day: int) -> int:
        """The check-in day (relative to today) whose central period is over at the start of `release_day`."""
        return release_day - self.central - self.offset

    def episodes(self) -> None:
        a, b, c, _d = self.sites
        demo = self.demo
        # 日清日结: two today (one in transit to site A), one overdue since last midnight.
        for p in self.people(None, 1):
            episode_open(actor=self.actor, person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=self.at(0, 9, 40, margin=100),
                         source="病例密接（同单位）")  # fmt: skip
        for p in self.people(None, 1):
            e = episode_open(actor=self.actor, person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=self.at(0, 8, 10, margin=150),
                             source="病例密接（同车）")  # fmt: skip
            episode_transit(actor=self.actor, episode=e, site=a, at=self.at(0, 10, 0, margin=40))
        for p in self.people(None, 1):
            episode_open(actor=self.actor, person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=self.at(-1, 19, 20),
                         source="病例密接（同一聚餐）")  # fmt: skip
        # In central isolation, the regimen partly tested.
        self.checked_in(self.people(demo, 2, household=True), a, -2)
        self.checked_in(self.people(None, 1), a, -1)
        self.checked_in(self.people(None, 1), a, 0)
        self.checked_in(self.people(None, 1), a, -3, skip=(2,))  # yesterday's sample missed: a make-up today
        self.checked_in(self.people(None, 1), a, -4)
        self.checked_in(self.people(None, 2, household=True), b, -1)
        self.checked_in(self.people(None, 1), b, -2)
        self.checked_in(self.people(None, 1), c, -3)
        self.checked_in(self.people(None, 1), c, 0)
        # 流调: a demo case's close contacts (its household and colleagues), in isolation.
        index = self.index_case()
        if index is not None:
            self.traced_contacts(index, b)
        # Positive on central day 3 (yesterday): the episode ends and 快转 opens the case, to transfer the same day.
        # With a demo case, the positive is one of its colleagues: the chain case → contact → case goes on.
        traced = (index, ExposureType.WORKPLACE, "某公司三楼办公室") if index is not None else None
        positive = self.checked_in(self.people(None, 1), c, -3, skip=(3,), traced=traced)[0]
        test = ScheduledTest.objects.get(episode=positive, phase=TestPhase.CENTRAL, day_number=3)
        if test.due_date < self.today:
            test_record(
                actor=self.actor, test=test, result=Result.POSITIVE, ct_value=28.6,
                sampled_at=self.day_at(test.due_date, 7, 20), resulted_at=self.day_at(test.due_date, 16, 40),
            )  # fmt: skip
            positive.refresh_from_db()
            if index is not None and positive.case_id is not None:
                case = visible_case(self.actor, positive.case_id)
                if case is not None:
                    self.second_generation(case, positive, c)
        if self.home:
            self.episodes_after_release(a, b, c)

    def episodes_after_release(self, a: IsolationSite, b: IsolationSite, c: IsolationSite) -> None:
        demo, today = self.demo, self.today
        # Released today, waiting for the demo community to confirm (a family in one double room).
        for e in self.checked_in(self.people(demo, 2, household=True), a, self.released_checkin_day(0)):
            self.release(e, today)
        for e in self.checked_in(self.people(None, 1), b, self.released_checkin_day(0)):
            self.release(e, today)
        # Handed over today to the demo community, not home yet.
        for e in self.checked_in(self.people(demo, 1), a, self.released_checkin_day(0)):
            self.release(e, today, vehicle="蒙A·D0471")
            self.confirm(e, today)
        # At home: since yesterday (today's check to do), and since the day before (a home test due today).
        for days_ago in (1, 2):
            for e in self.checked_in(self.people(demo, 1), a, self.released_checkin_day(-days_ago)):
                start = today - dt.timedelta(days=days_ago)
                self.release(e, start)
                self.confirm(e, start)
                self.home_phase(e, start, complete=False)
        # At home elsewhere in the city.
        for e in self.checked_in(self.people(None, 1), c, self.released_checkin_day(-1)):
            self.release(e, today - dt.timedelta(days=1))
            self.confirm(e, today - dt.timedelta(days=1))
            self.home_phase(e, today - dt.timedelta(days=1), complete=False)
        # Completed: the whole loop, home period over two days ago.
        release_day = -self.home - 2
        for site, community in ((a, self.demo), (b, None)):
            for e in self.checked_in(self.people(community, 1), site, self.released_checkin_day(release_day)):
                day = today + dt.timedelta(days=release_day)
                self.release(e, day)
                self.confirm(e, day)
                self.home_phase(e, day, complete=True)

    # -------- inbound travellers

    def inbound(self) -> None:
        site = self.sites[3]
        plan = regimen_plan(EpisodeKind.INBOUND)
        release_day = -plan.central_days - DAY_ONE_OFFSET[plan.convention]
        flights = [("CA8201", "首尔"), ("MU5042", "东京"), ("KN5878", "乌兰巴托"), ("CZ6088", "莫斯科")]
        sai_han = Community.objects.filter(district__code="150105").order_by("id").last()
        # Registered this morning at the airport, bound for the demo community; not yet taken to the site.
        self.arrival(self.people(self.demo, 1)[0], flights[0], site, self.at(0, 6, 40, margin=200), self.demo)
        # In the central days at the entry point, bound for 赛罕区.
        e = self.arrival(self.people(sai_han, 1)[0], flights[1], site, self.at(-2, 7, 15), sai_han).episode
        self.check_in(e, site, -2)
        self.record_central(e)
        # Released today to another city: the site hands over to the receiving locality (pending).
        # (a resident of the city who works there: the registry keeps its people, nobody is added)
        visitor = self.people(None, 1)[0]
        e = self.arrival(visitor, flights[2], site, self.at(release_day, 6, 20), None, destination="北京市朝阳区").episode
        self.check_in(e, site, release_day)
        self.record_central(e)
        release_order(
            actor=self.actor, episode=e, at=self.at(0, 9, 30, margin=50), to_locality="北京市朝阳区望京街道",
            transport_mode=TransportMode.RAIL, vehicle="K90 次 7 车厢",
        )  # fmt: skip
        # Completed at home in 新城区 (handed over to its community after the central days at the airport).
        home_release = -self.home - 2
        e = self.arrival(self.people(self.demo, 1)[0], flights[3], site, self.at(home_release - plan.central_days, 6, 0), self.demo).episode
        self.check_in(e, site, home_release - plan.central_days - DAY_ONE_OFFSET[plan.convention])
        self.record_central(e)
        if plan.home_days:
            day = self.today + dt.timedelta(days=home_release)
            self.release(e, day, transport_mode=TransportMode.COACH, vehicle="蒙A·K2201")
            self.confirm(e, day)
            self.home_phase(e, day, complete=True)

    def arrival(self, person: Person, flight: tuple[str, str], site: IsolationSite, at: dt.datetime, community: Community | None,
                destination: str = "") -> Any:  # fmt: skip
        return inbound_register(
            actor=self.actor, person=person, mode=ArrivalMode.FLIGHT, number=flight[0], origin=flight[1], port_of_entry=PORT,
            arrived_at=at, entry_site=site, destination=destination, destination_community=community,
        )  # fmt: skip

    # -------- internal management

    def checklists(self) -> None:
        """A week of checklists; site B short of a dinner and a staff health check yesterday, site C
        without disinfection the day before; today only site A has filed."""
        for i, site in enumerate(self.sites):
            staff = site.staff.count()
            for back in range(CHECKLIST_DAYS, -1, -1):
                day = self.today - dt.timedelta(days=back)
                if back == 0 and i > 0:
                    continue
                rooms = occupied_rooms_on(site, day)
                dinner, checked, disinfected = rooms, staff, True
                if i == 1 and back == 1:
                    dinner, checked = max(rooms - 1, 0), staff - 1
                if i == 2 and back == 2:
                    disinfected = False
                checklist_record(
                    actor=self.actor, site=site, day=day, cleaning_done=True, disinfection_done=disinfected,
                    meals_breakfast_rooms=rooms, meals_lunch_rooms=rooms, meals_dinner_rooms=dinner,
                    staff_on_duty=staff, staff_health_checked=checked, staff_unwell=0,
                    note="" if (dinner == rooms and disinfected) else "已要求当班人员整改",
                )  # fmt: skip

    def incidents(self) -> None:
        a, b = self.sites[0], self.sites[1]
        stay = RoomStay.objects.filter(room__site=a, ended_at__isnull=True).select_related("room", "episode").order_by("started_at").first()
        if stay is not None:
            incident = incident_record(
                actor=self.actor, site=a, kind=IncidentKind.LEFT_ROOM, severity=Severity.LOW, occurred_at=self.at(-1, 16, 20),
                room=stay.room, episode=stay.episode, description="隔离人员开门到走廊取外卖，被巡查人员发现。",
            )  # fmt: skip
            incident_resolve(actor=self.actor, incident=incident, resolution="已劝返房间，对走廊消毒并加强巡查", at=self.at(-1, 16, 50))
        room = RoomStay.objects.filter(room__site=b, ended_at__isnull=True).select_related("room").order_by("started_at").first()
        incident_record(
            actor=self.actor, site=b, kind=IncidentKind.SUPPLY, severity=Severity.LOW, occurred_at=self.at(0, 12, 40, margin=30),
            room=room.room if room else None, description="房间反映午餐未送达，已联系餐饮配送组核实。",
        )  # fmt: skip
