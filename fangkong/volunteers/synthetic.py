"""A demo week of volunteer service (`python3 dev.py demo`): the 共青团 emergency team (city-wide), a
logistics company's team and the demo community's own; teams with leaders; service points in the
demo district (sampling points, a community gate, a warehouse, a Fangcang under construction); a
hundred-odd volunteers drawn from the registry (their sealed ID numbers and phones copied, so they
are matched), a few applications still waiting; the needs of the last seven days, today and
tomorrow, with the shifts served (check-in, check-out, minutes), no-shows and sign-ups — for 计划与到岗,
the community gate short of people yesterday and today, and a no-show on each of yesterday's shifts
at the first point; vehicles and their trips; terminal disinfection linked to demo cases and
community disinfection in m²; and the people who serve besides volunteers (seeds 002, 004) in the
demo communities and the demo community 迎宾南路社区: party members reporting to their paired
community or at the compound where they live, a cadre per community's first compound, police
officers sent down — in the seeds' proportions (12,300 : 1,500 : 2,010 across the city).

Written set-based (bulk_create) in one transaction, one audit event per kind of row. The rules of the
services hold: nobody on two overlapping shifts, a need never over its headcount, nobody under
isolation or in a case among the field workers (the demo's people in a state are left out)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from fangkong.accounts.models import GrantLevel
from fangkong.accounts.services.service_accounts import service_account
from fangkong.audit.services import audit_record
from fangkong.core.crypto import Sealer, mask_phone
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import Community, District, Person
from fangkong.geo.person_states import states
from fangkong.policy.regimen import local_date, local_midnight

from .choices import AssignmentStatus, Availability, DeploymentKind, OrganisationKind, PointKind, Skill, VolunteerStatus
from .events import VolunteersEvent
from .models import Assignment, Deployment, Disinfection, Need, Organisation, ServicePoint, TaskType, Team, Trip, Vehicle, Volunteer
from .tokens import new_nonce

ACTOR_USERNAME = "synthetic-volunteers"
DEMO_DISTRICT = "150102"  # 新城区: the demo coordinator's district
DEMO_COMMUNITY = "迎宾南路社区"  # the demo community worker's (fangkong.demo)
YOUTH_TEAM = "共青团北疆应急保障志愿服务队"
SHIFTS = ((8, 12), (13, 17))
PAST_DAYS = 7


@dataclass
class VolunteersStats:
    volunteers: int = 0
    points: int = 0
    shifts: int = 0
    attended: int = 0
    trips: int = 0
    disinfections: int = 0
    deployed: int = 0
    sentence: str = ""
    waiting: int = 0
    orgs: list[str] = field(default_factory=list)


def demo_exists() -> bool:
    return Organisation.objects.filter(name=YOUTH_TEAM).exists()


def volunteers_generate(*, seed: int = 2022, people: int = 120, now: dt.datetime | None = None) -> VolunteersStats:
    with transaction.atomic():
        if demo_exists():
            raise DomainError("演示志愿服务数据已存在 / the demo volunteers exist", rule="volunteers.synthetic")
        return _Generator(seed=seed, now=now or timezone.now()).run(people)


class _Generator:
    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.today = local_date(now)
        self.actor = service_account(
            ACTOR_USERNAME,
            Role.VOLUNTEER_COORDINATOR,
            "合成数据·志愿服务（演示）",
            level=GrantLevel.CITY,
            reason=gettext_noop("合成志愿服务数据"),
        )
        self.stats = VolunteersStats()

    def run(self, people: int) -> VolunteersStats:
        district = District.objects.filter(code=DEMO_DISTRICT).first()
        communities = list(Community.objects.filter(district=district).order_by("id")[:8]) if district else []
        if not communities:
            raise DomainError("登记库中没有演示区县的社区，请先运行 make_city / the registry is empty", rule="volunteers.synthetic")
        orgs = self.organisations(district, communities[0])
        points = self.points(communities, orgs)
        volunteers = self.volunteers(communities, orgs, people)
        self.teams(orgs, volunteers)
        self.shifts(points, volunteers)
        self.fleet(orgs, communities)
        self.serving(communities)
        from .totals import volunteer_totals

        t = volunteer_totals(user=self.actor, start=self.today - dt.timedelta(days=PAST_DAYS), end=self.today)
        self.stats.sentence = t.sentence
        return self.stats

    def organisations(self, district: District, community: Community) -> list[Organisation]:
        orgs = [
            Organisation.objects.create(name=YOUTH_TEAM, kind=OrganisationKind.YOUTH_LEAGUE),
            Organisation.objects.create(name="某物流企业志愿服务队", kind=OrganisationKind.COMPANY, district_id=district.pk),
            Organisation.objects.create(
                name=f"{community.name}志愿服务队",
                kind=OrganisationKind.COMMUNITY,
                district_id=district.pk,
                street_id=community.street_id,
                community_id=community.pk,
            ),
        ]
        self.stats.orgs = [o.name for o in orgs]
        audit_record(
            actor=self.actor, event_type=VolunteersEvent.ORGANISATION_ADDED, object_type="volunteers.organisation", count=len(orgs)
        )
        return orgs

    def points(self, communities: list[Community], orgs: list[Organisation]) -> list[ServicePoint]:
        kinds = [PointKind.SAMPLING, PointKind.SAMPLING, PointKind.GATE, PointKind.SAMPLING, PointKind.WAREHOUSE, PointKind.FANGCANG]
        names = {
            PointKind.SAMPLING: "核酸采样点",
            PointKind.GATE: "社区卡口",
            PointKind.WAREHOUSE: "物资中转仓库",
            PointKind.FANGCANG: "方舱建设工地",
        }
        points = ServicePoint.objects.bulk_create(
            ServicePoint(
                name=f"{communities[i % len(communities)].name}{names[kind]}",
                kind=kind,
                organisation=orgs[i % len(orgs)],
                district_id=communities[i % len(communities)].district_id,
                street_id=communities[i % len(communities)].street_id,
                community_id=communities[i % len(communities)].pk,
            )
            for i, kind in enumerate(kinds)
        )
        self.stats.points = len(points)
        audit_record(actor=self.actor, event_type=VolunteersEvent.POINT_ADDED, object_type="volunteers.servicepoint", count=len(points))
        return points

    def volunteers(self, communities: list[Community], orgs: list[Organisation], people: int) -> list[Volunteer]:
        candidates = list(
            Person.objects.filter(community_id__in=[c.pk for c in communities], household__isnull=False).order_by("id")[: people * 3]
        )
        in_state = states.at([p.pk for p in candidates], self.now)
        candidates = [p for p in candidates if p.pk not in in_state and p.birth_year and 1960 <= p.birth_year <= 2004]
        self.rng.shuffle(candidates)
        chosen = candidates[:people]
        sealer = Sealer()
        skills = list(Skill.values)
        rows = []
        for i, p in enumerate(chosen):
            waiting = i >= len(chosen) - 6  # the last few still wait for the coordinator
            phone = f"139{self.rng.randrange(10**8):08d}"
            rows.append(
                Volunteer(
                    name=p.name,
                    id_type=p.id_type,
                    id_cipher=p.id_cipher,
                    id_hash=p.id_hash,
                    id_masked=p.id_masked,
                    phone_cipher=p.phone_cipher or sealer.encrypt(phone),
                    phone_hash=p.phone_hash or sealer.lookup_hash("phone", phone),
                    phone_masked=p.phone_masked or mask_phone(phone),
                    district_id=p.district_id,
                    street_id=p.street_id,
                    community_id=p.community_id,
                    skills=",".join(sorted(self.rng.sample(skills, 2))),
                    availability=self.rng.choice(Availability.values),
                    organisation=orgs[i % len(orgs)],
                    status=VolunteerStatus.APPLIED if waiting else VolunteerStatus.APPROVED,
                    source="web" if i % 3 else "import",
                    person=None if waiting else p,
                    verified_at=None if waiting else self.now - dt.timedelta(days=PAST_DAYS + 1),
                    approved_at=None if waiting else self.now - dt.timedelta(days=PAST_DAYS + 1),
                    decided_by=None if waiting else self.actor,
                    field_work=not waiting and i % 10 != 0,
                    link_nonce="" if waiting else new_nonce(),
                )
            )
        created = Volunteer.objects.bulk_create(rows)
        self.stats.volunteers = len(created)
        self.stats.waiting = sum(1 for v in created if v.status == VolunteerStatus.APPLIED)
        audit_record(actor=self.actor, event_type=VolunteersEvent.IMPORTED, object_type="volunteers.volunteer", count=len(created))
        return [v for v in created if v.status == VolunteerStatus.APPROVED]

    def teams(self, orgs: list[Organisation], volunteers: list[Volunteer]) -> None:
        for org in orgs:
            members = [v for v in volunteers if v.organisation_id == org.pk]
            for n, chunk in enumerate((members[: len(members) // 2], members[len(members) // 2 :]), start=1):
                if chunk:
                    team = Team.objects.create(organisation=org, name=f"第{n}分队", leader=chunk[0])
                    Volunteer.objects.filter(pk__in=[v.pk for v in chunk]).update(team=team)

    def shifts(self, points: list[ServicePoint], volunteers: list[Volunteer]) -> None:
        tasks = {t.code: t for t in TaskType.objects.all()}
        by_kind = {
            PointKind.SAMPLING: "nat_testing",
            PointKind.GATE: "community_registration",
            PointKind.WAREHOUSE: "supply_transport",
            PointKind.FANGCANG: "fangcang_building",
        }
        field_ok = [v for v in volunteers if v.field_work]
        rows: list[Assignment] = []
        n_needs = 0
        for offset in range(-PAST_DAYS, 2):
            day = self.today + dt.timedelta(days=offset)
            for a, b in SHIFTS:
                start, end = local_midnight(day) + dt.timedelta(hours=a), local_midnight(day) + dt.timedelta(hours=b)
                pool = list(field_ok)
                self.rng.shuffle(pool)  # each volunteer at most once per half-day: no overlap
                for point in points:
                    task = tasks[by_kind.get(point.kind, "resident_supply")]
                    headcount = self.rng.randint(3, 8)
                    need = Need.objects.create(
                        point=point,
                        task_type=task,
                        starts_at=start,
                        ends_at=end,
                        headcount=headcount,
                        organisation_id=point.organisation_id,
                        district_id=point.district_id,
                        street_id=point.street_id,
                        community_id=point.community_id,
                        created_by=self.actor,
                    )
                    n_needs += 1
                    taking = headcount if offset < 1 else self.rng.randint(0, headcount - 1)  # future days: places left
                    if offset in (-1, 0) and point.kind == PointKind.GATE:
                        taking = headcount - 2 - offset  # 计划与到岗: a gap of one yesterday, two today
                    for i, v in enumerate(pool[:taking]):
                        # 计划与到岗: yesterday, one no-show at the first point on each shift
                        absent = offset == -1 and point is points[0] and i == 0
                        rows.append(self.assignment(need, v, start, end, absent=absent))
                    pool = pool[taking:]
        Assignment.objects.bulk_create(rows)
        self.stats.shifts = len(rows)
        self.stats.attended = sum(1 for r in rows if r.checked_in_at)
        audit_record(actor=self.actor, event_type=VolunteersEvent.NEED_PUBLISHED, object_type="volunteers.need", count=n_needs)
        audit_record(actor=self.actor, event_type=VolunteersEvent.ASSIGNED, object_type="volunteers.assignment", count=len(rows))

    def assignment(self, need: Need, v: Volunteer, start: dt.datetime, end: dt.datetime, *, absent: bool = False) -> Assignment:
        row = Assignment(
            need=need,
            volunteer=v,
            status=AssignmentStatus.ASSIGNED,
            starts_at=start,
            ends_at=end,
            point_id=need.point_id,
            organisation_id=v.organisation_id,
            district_id=need.district_id,
            street_id=need.street_id,
            community_id=need.community_id,
        )
        if start > self.now:
            row.status = self.rng.choice((AssignmentStatus.SIGNED_UP, AssignmentStatus.ASSIGNED))
            return row
        if absent or self.rng.random() < 0.05:
            row.status = AssignmentStatus.NO_SHOW if end < self.now else AssignmentStatus.ASSIGNED
            return row
        row.checked_in_at = start - dt.timedelta(minutes=self.rng.randint(0, 25))
        out = end + dt.timedelta(minutes=self.rng.randint(-20, 40))
        if out > self.now:
            row.status = AssignmentStatus.CHECKED_IN if row.checked_in_at <= self.now else AssignmentStatus.ASSIGNED
            row.checked_in_at = row.checked_in_at if row.checked_in_at <= self.now else None
            return row
        row.status, row.checked_out_at = AssignmentStatus.DONE, out
        row.minutes = int((out - row.checked_in_at).total_seconds() // 60)
        return row

    def fleet(self, orgs: list[Organisation], communities: list[Community]) -> None:
        kinds = ["van", "van", "truck", "ambulance", "sprayer", "car", "van", "truck"]
        vehicles = Vehicle.objects.bulk_create(
            Vehicle(
                plate=f"蒙A{7000 + i:04d}{'DFGHKLMN'[i]}",
                kind=kind,
                organisation=orgs[i % len(orgs)],
                district_id=orgs[i % len(orgs)].district_id or communities[0].district_id,
                street_id=communities[i % len(communities)].street_id,
                community_id=communities[i % len(communities)].pk,
            )
            for i, kind in enumerate(kinds)
        )
        tasks = list(
            TaskType.objects.filter(code__in=("supply_transport", "patient_transport", "resident_supply", "sampling_disinfection"))
        )
        trips, cleanings = [], []
        from fangkong.cases.selectors import case_list

        case_ids = list(case_list(user=self.actor).filter(district_id=communities[0].district_id).values_list("pk", flat=True)[:20])
        for offset in range(-PAST_DAYS, 1):
            day = self.today + dt.timedelta(days=offset)
            for _ in range(self.rng.randint(4, 9)):
                v = self.rng.choice(vehicles)
                at = local_midnight(day) + dt.timedelta(hours=self.rng.randint(7, 19), minutes=self.rng.randint(0, 59))
                if at >= self.now:
                    continue
                c = self.rng.choice(communities)
                trips.append(
                    Trip(
                        vehicle=v,
                        started_at=at,
                        task_type=self.rng.choice(tasks),
                        kilometres=Decimal(self.rng.randint(80, 900)) / 10,
                        organisation_id=v.organisation_id,
                        district_id=c.district_id,
                        street_id=c.street_id,
                        community_id=c.pk,
                        created_by=self.actor,
                    )
                )
            at = local_midnight(day) + dt.timedelta(hours=15)
            if at < self.now:
                for c in self.rng.sample(communities, min(3, len(communities))):
                    cleanings.append(self.cleaning("community", at, c, orgs[0], square_metres=self.rng.randint(20, 160) * 100))
                if case_ids and self.rng.random() < 0.8:
                    c = communities[0]
                    cleanings.append(self.cleaning("terminal", at, c, orgs[0], case_id=self.rng.choice(case_ids)))
        Trip.objects.bulk_create(trips)
        Disinfection.objects.bulk_create(cleanings)
        self.stats.trips, self.stats.disinfections = len(trips), len(cleanings)
        audit_record(actor=self.actor, event_type=VolunteersEvent.VEHICLE_ADDED, object_type="volunteers.vehicle", count=len(vehicles))
        audit_record(actor=self.actor, event_type=VolunteersEvent.TRIP_ADDED, object_type="volunteers.trip", count=len(trips))
        audit_record(
            actor=self.actor, event_type=VolunteersEvent.DISINFECTION_ADDED, object_type="volunteers.disinfection", count=len(cleanings)
        )

    def serving(self, communities: list[Community]) -> None:
        # The demo community (its worker's 上门服务 work groups take on those deployed there) among them.
        demo = Community.objects.filter(district_id=communities[0].district_id, name=DEMO_COMMUNITY).exclude(
            pk__in=[c.pk for c in communities]
        )
        rows = Deployment.objects.bulk_create(_serving_rows(self, communities + list(demo[:1])))
        self.stats.deployed = len(rows)
        audit_record(actor=self.actor, event_type=VolunteersEvent.DEPLOYED, object_type="volunteers.deployment", count=len(rows))

    def cleaning(self, kind: str, at: dt.datetime, c: Community, org: Organisation, *, case_id: int | None = None, square_metres: int = 0):
        return Disinfection(
            kind=kind,
            done_at=at,
            place=f"{c.name}{'公共区域' if kind == 'community' else '阳性感染者住所'}",
            case_id=case_id,
            square_metres=square_metres,
            organisation=org,
            district_id=c.district_id,
            street_id=c.street_id,
            community_id=c.pk,
            created_by=self.actor,
        )


SERVING_UNITS = {
    DeploymentKind.PARTY_MEMBER: ("市委组织部", "市直机关工委", "市财政局", "市教育局"),
    DeploymentKind.CADRE: ("市发改委", "市住建局"),
    DeploymentKind.POLICE: ("新城区公安分局", "市中级人民法院", "新城区人民检察院", "市司法局"),
}
SURNAMES, GIVEN = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗", "建国秀英志强丽娟海军晓明春华文斌雅琴国庆玉兰"


def _serving_rows(gen: _Generator, communities: list[Community]) -> list[Deployment]:
    from fangkong.geo.models import Compound

    sealer, rows, start = Sealer(), [], gen.today - dt.timedelta(days=PAST_DAYS)
    for c in communities:
        compounds = list(Compound.objects.filter(community=c).order_by("id")[:3])
        plan = [(DeploymentKind.PARTY_MEMBER, False)] * 8 + [(DeploymentKind.PARTY_MEMBER, True)] + [(DeploymentKind.POLICE, False)] * 2
        plan += [(DeploymentKind.CADRE, False)] if compounds else []
        for kind, home in plan:
            phone = f"139{gen.rng.randrange(10**8):08d}"
            compound = compounds[0] if kind == DeploymentKind.CADRE or (home and compounds) else None
            rows.append(
                Deployment(
                    kind=kind,
                    name=gen.rng.choice(SURNAMES) + "".join(gen.rng.sample(GIVEN, 2)),
                    phone_cipher=sealer.encrypt(phone),
                    phone_hash=sealer.lookup_hash("phone", phone),
                    phone_masked=mask_phone(phone),
                    work_unit=gen.rng.choice(SERVING_UNITS[kind]),
                    rank="division" if kind == DeploymentKind.CADRE else "",
                    at_residence=home and compound is not None,
                    district_id=c.district_id,
                    street_id=c.street_id,
                    community_id=c.pk,
                    compound_id=compound.pk if compound else None,
                    starts_on=start,
                    created_by=gen.actor,
                )
            )
    return rows


def format_stats(s: VolunteersStats) -> str:
    return (
        f"{s.volunteers} 名志愿者（{s.waiting} 名待审核）, {s.points} 个服务点, {s.shifts} 个班次（{s.attended} 人次出勤）, "
        f"{s.trips} 次出车, {s.disinfections} 次消杀, {s.deployed} 名下沉人员\n{s.sentence}"
    )
