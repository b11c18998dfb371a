"""Synthetic 快转 on the demo city: facilities, and cases at every stage — for the demo and tests.

`cases_generate` drives everything through the 快转 services, as the pages and the API would:
- six treatment facilities (`facility_create`): two designated hospitals (定点医院) with general and
  ICU beds, four Fangcang shelter hospitals (方舱医院) with general beds; one Fangcang nearly full
  (its ward count reconciled with `facility_beds_set`, as a facility does on its first day);
- the testing queue (round 8's confirmed positives) opened as cases (`cases_open_from_queue`),
  assessed by the medical team (`case_classify`) and mostly transferred the same evening; two are
  still waiting, past their deadline;
- about forty cases opened by hand over the past ten days (`case_open_by_hand`: hospital reports,
  other cities' notices, one imported, one a hospital's own patient admitted on the spot), at every
  stage: awaiting transfer (today's, and some overdue), dispatched, picked up, admitted (one moved to
  the ICU, one to a designated hospital after reclassification), refused and back on the board,
  discharged with home monitoring in progress (some with tests, some due to end), monitoring
  completed (case closed), one reopened after a positive during monitoring, one withdrawn.

Every time is in the past, counted back from now (days for the older stories, hours for today's).
Deterministic for a seed and a `now`. The services need a user with the capability at every step:
the account `synthetic-cases` (指挥部, city grant) opens, dispatches and runs home monitoring; each
facility admits, tests and discharges through its own account `synthetic-facility-<n>` (医院工作人员
with a facility grant). These accounts have no usable password; they name the actor in the audit log.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop
from tqdm import tqdm

from fangkong.accounts.models import GrantLevel, User
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.birth import SEALED_BIRTH_FIELDS, age_on, birth_date_from
from fangkong.geo.models import Community, District, Person
from fangkong.geo.synthetic.names import NameMaker
from fangkong.policy.regimen import local_midnight
from fangkong.policy.rules import rules_read_once

from .choices import (
    TRANSFER_IN_FLIGHT,
    BedType,
    CaseSource,
    Classification,
    ClinicalCriterion,
    FacilityKind,
    MonitoringStatus,
    RiskFactor,
    TransferStatus,
)
from .models import Case, FacilityBeds, HealthMonitoring, Transfer, TreatmentFacility
from .querysets import TREATMENT_GRANT
from .selectors import day_figures
from .services import (
    case_classify,
    case_discharge,
    case_open_by_hand,
    case_test_record,
    case_withdraw,
    cases_open_from_queue,
    facility_beds_set,
    facility_create,
    monitoring_complete,
    monitoring_record_test,
    transfer_admit,
    transfer_dispatch,
    transfer_pick_up,
    transfer_refuse,
)

PLANNER_USERNAME = "synthetic-cases"
FACILITY_USERNAME = "synthetic-facility-{n}"
DEMO_COMMUNITY = ("150102", "中山东路街道", "迎宾南路社区")  # the demo accounts' community


@dataclass(frozen=True)
class FacilitySpec:
    name: str
    kind: str
    district: str  # code
    address: str
    contact: str
    beds: dict[str, int]
    note: str = ""
    occupied_before: int = 0  # patients on the ward before the platform (reconciled on day one)


# The first is the demo `hospital` account's facility.
DEMO_FACILITIES: list[FacilitySpec] = [
    FacilitySpec(
        "内蒙古自治区第四医院",
        FacilityKind.HOSPITAL,
        "150102",
        "呼和浩特市新城区锡林郭勒北路",
        "医务科 0471-6288120",
        {BedType.GENERAL: 520, BedType.ICU: 40},
        "自治区传染病定点救治医院；收治普通型、重型、危重型及高风险人群",
    ),
    FacilitySpec(
        "呼和浩特市第二医院",
        FacilityKind.HOSPITAL,
        "150103",
        "呼和浩特市回民区通道北街",
        "医务科 0471-6960312",
        {BedType.GENERAL: 300, BedType.ICU: 24},
        "市级定点医院",
    ),
    FacilitySpec(
        "呼和浩特国际会展中心方舱医院",
        FacilityKind.FANGCANG,
        "150105",
        "呼和浩特市赛罕区敕勒川大街",
        "方舱指挥部 0471-5901100",
        {BedType.GENERAL: 1600},
        "收治无症状感染者和轻型病例",
    ),
    FacilitySpec(
        "内蒙古体育馆方舱医院",
        FacilityKind.FANGCANG,
        "150102",
        "呼和浩特市新城区兴安北路",
        "方舱指挥部 0471-6512200",
        {BedType.GENERAL: 820},
        "收治无症状感染者和轻型病例",
        occupied_before=760,
    ),
    FacilitySpec(
        "如意开发区方舱医院",
        FacilityKind.FANGCANG,
        "150105",
        "呼和浩特市赛罕区如意和大街",
        "方舱指挥部 0471-3267600",
        {BedType.GENERAL: 1000},
        "收治无症状感染者和轻型病例",
    ),
    FacilitySpec(
        "金桥开发区方舱医院",
        FacilityKind.FANGCANG,
        "150105",
        "呼和浩特市赛罕区金桥开发区宝力尔街",
        "方舱指挥部 0471-3967800",
        {BedType.GENERAL: 1200},
        "收治无症状感染者和轻型病例",
    ),
]
HOSPITAL_REPORTS = ["呼和浩特市第一医院发热门诊报告", "内蒙古医科大学附属医院发热门诊报告", "内蒙古自治区人民医院发热门诊报告"]
EXTERNAL_NOTICES = ["包头市疫情防控指挥部协查通报", "鄂尔多斯市疫情防控指挥部协查通报", "北京市朝阳区疫情防控指挥部协查通报"]
VEHICLES = ["蒙A·120{:02d} 负压救护车", "蒙A·3F{:03d} 转运大巴"]
OCCUPIED_REASON = "平台启用前已收治患者，按线下台账核对在院人数"


@dataclass
class CasesStats:
    facilities: int = 0
    beds: int = 0
    cases: int = 0
    from_queue: int = 0
    by_hand: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    awaiting: int = 0
    overdue: int = 0
    dispatched: int = 0
    picked_up: int = 0
    refused: int = 0
    monitoring_active: int = 0
    monitoring_completed: int = 0
    reopened: int = 0
    day_zh: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def cases_generate(*, seed: int = 2022, progress: bool = False, now: dt.datetime | None = None) -> CasesStats:
    """Facilities and cases at every stage on the registry (and round 8's positive queue, if any).
    All or nothing; refused if a case exists. See the module docstring."""
    started = time.monotonic()
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    with transaction.atomic(), rules_read_once():
        if not Person.objects.filter(community__isnull=False).exists():
            raise DomainError("登记库中没有人员，请先运行 make_city / the registry is empty: run make_city first", rule="cases.synthetic")
        if Case.objects.exists():
            raise DomainError("已有病例，不再生成演示病例 / cases exist: not generating demo cases", rule="cases.synthetic")
        gen = _Generator(seed=seed, now=now, progress=progress)
        gen.run()
        stats = cases_stats(user=gen.planner, now=now)
    stats.seconds = round(time.monotonic() - started, 1)
    return stats


def cases_stats(*, user: Any, now: dt.datetime | None = None) -> CasesStats:
    """The counts a newcomer would check on the pages, read back from the database."""
    now = now or timezone.now()
    cases = Case.objects.visible_to(user)
    in_flight = Transfer.objects.visible_to(user).filter(status__in=TRANSFER_IN_FLIGHT)
    statuses = Counter(dict(in_flight.values_list("status").annotate(n=Count("id")).order_by()))
    monitoring = Counter(dict(HealthMonitoring.objects.visible_to(user).values_list("status").annotate(n=Count("id")).order_by()))
    beds = FacilityBeds.objects.all()
    yesterday = timezone.localtime(now).date() - dt.timedelta(days=1)
    return CasesStats(
        facilities=TreatmentFacility.objects.count(),
        beds=sum(b.capacity for b in beds),
        cases=cases.count(),
        from_queue=cases.filter(source=CaseSource.QUEUE).count(),
        by_hand=cases.exclude(source=CaseSource.QUEUE).count(),
        by_status=dict(cases.values_list("status").annotate(n=Count("id")).order_by()),
        awaiting=statuses.get(TransferStatus.AWAITING, 0),
        overdue=in_flight.filter(deadline_at__lt=now).count(),
        dispatched=statuses.get(TransferStatus.DISPATCHED, 0),
        picked_up=statuses.get(TransferStatus.PICKED_UP, 0),
        refused=Transfer.objects.visible_to(user).filter(status=TransferStatus.REFUSED).count(),
        monitoring_active=monitoring.get(MonitoringStatus.ACTIVE, 0),
        monitoring_completed=monitoring.get(MonitoringStatus.COMPLETED, 0),
        reopened=monitoring.get(MonitoringStatus.REOPENED, 0),
        day_zh=day_figures(date=yesterday, user=user).zh,
    )


_service_account = partial(service_account, reason=gettext_noop("合成病例数据"))


@dataclass
class _Person:
    pk: int
    age: int
    community_id: int | None


class _Generator:
    def __init__(self, *, seed: int, now: dt.datetime, progress: bool) -> None:
        self.rng = random.Random(seed)
        self.names = NameMaker(random.Random(seed + 1))
        self.now, self.progress = now, progress
        self.today = local_midnight(timezone.localtime(now).date())
        self.planner = _service_account(PLANNER_USERNAME, Role.COMMAND_CENTRE, "合成数据·指挥部（演示）", level=GrantLevel.CITY)
        self.vehicle_seq = 0
        self.bar = None

    # -------- times: days back for the older stories, hours back for today's

    def day(self, days_ago: int, hours: float) -> dt.datetime:
        """`hours` after local midnight `days_ago` days ago (never later than a few minutes ago)."""
        return min(self.today - dt.timedelta(days=days_ago) + dt.timedelta(hours=hours), self.ago(0.1))

    def ago(self, hours: float) -> dt.datetime:
        return self.now - dt.timedelta(hours=hours)

    def jitter(self, minutes: int = 40) -> dt.timedelta:
        return dt.timedelta(minutes=self.rng.randint(0, minutes))

    # -------- the run

    def run(self) -> None:
        self.facilities()
        self.choose_people()
        stories: list[tuple[str, Callable[[], None]]] = [
            ("queue", self.queue),
            ("closed", self.closed),
            ("monitoring", self.in_monitoring),
            ("reopened", self.reopened),
            ("admitted", self.admitted),
            ("moves", self.moves),
            ("on the spot", self.on_the_spot),
            ("refused", self.refused),
            ("on the way", self.on_the_way),
            ("waiting", self.waiting),
            ("withdrawn", self.withdrawn),
        ]
        with tqdm(total=len(stories), desc="病例", unit="组", disable=not self.progress) as bar:
            for _name, story in stories:
                story()
                bar.update()

    def facilities(self) -> None:
        self.staff: dict[int, User] = {}
        self.by_name: dict[str, TreatmentFacility] = {}
        districts = dict(District.objects.values_list("code", "id"))
        fallback = District.objects.order_by("code").first()
        for n, spec in enumerate(DEMO_FACILITIES, start=1):
            facility = TreatmentFacility.objects.filter(name=spec.name).first()
            if facility is None:
                facility = facility_create(
                    actor=self.planner,
                    kind=spec.kind,
                    name=spec.name,
                    district=District(pk=districts[spec.district]) if spec.district in districts else fallback,
                    address=spec.address,
                    contact=spec.contact,
                    admission_note=spec.note,
                    beds=spec.beds,
                )
            self.by_name[spec.name] = facility
            staff = _service_account(
                FACILITY_USERNAME.format(n=n),
                Role.HOSPITAL_STAFF,
                f"合成数据·{spec.name}（演示）",
                level=GrantLevel.FACILITY,
                place_id=facility.pk,
                kind=TREATMENT_GRANT.removeprefix("facility:"),
            )
            self.staff[facility.pk] = staff
            if spec.occupied_before:
                facility_beds_set(
                    actor=staff,
                    facility=facility,
                    bed_type=BedType.GENERAL,
                    capacity=spec.beds[BedType.GENERAL],
                    occupied=spec.occupied_before,
                    reason=OCCUPIED_REASON,
                )
        names = [s.name for s in DEMO_FACILITIES]
        self.hospital4, self.hospital2, self.expo, self.gym, self.ruyi, self.jinqiao = (self.by_name[n] for n in names)

    def choose_people(self) -> None:
        """Residents without a case, drawn at random: adults under 65 for the Fangcang stories, the
        elderly for the hospitals; a share from the demo community (its worker runs their home
        monitoring). A sample is read, not the registry."""
        today = timezone.localtime(self.now).date()
        queued = set(_queue_person_ids())
        demo_id = (
            Community.objects.filter(district__code=DEMO_COMMUNITY[0], street__name=DEMO_COMMUNITY[1], name=DEMO_COMMUNITY[2])
            .values_list("pk", flat=True)
            .first()
        )
        residents = Person.objects.filter(community__isnull=False, birth_year__isnull=False)
        ids = list(residents.order_by("id").values_list("id", flat=True))
        sample = set(self.rng.sample(ids, min(len(ids), 1500)))
        if demo_id is not None:
            home_ids = list(residents.filter(community_id=demo_id).order_by("id").values_list("id", flat=True))
            sample |= set(self.rng.sample(home_ids, min(len(home_ids), 200)))
        pools: dict[str, list[_Person]] = {"young": [], "old": [], "home": []}
        rows = residents.filter(pk__in=sorted(sample - queued)).order_by("id").values_list("id", *SEALED_BIRTH_FIELDS, "community_id")
        for pk, *sealed, community_id in rows:
            age = age_on(birth_date_from(*sealed), today)  # exact (decrypted), as triage will see it
            if age >= 65:
                pools["old"].append(_Person(pk, age, community_id))
            elif age >= 18:
                pools["home" if community_id == demo_id else "young"].append(_Person(pk, age, community_id))
        for pool in pools.values():
            self.rng.shuffle(pool)
        self.pools = pools

    def person(self, pool: str = "young") -> Person:
        candidates = self.pools[pool] or self.pools["young"]
        chosen = candidates.pop()
        return Person.objects.get(pk=chosen.pk)

    def vehicle(self) -> str:
        self.vehicle_seq += 1
        bus = self.vehicle_seq % 5 == 0  # every fifth run is a bus
        return VEHICLES[1 if bus else 0].format(self.vehicle_seq)

    def crew(self) -> str:
        year = 1975 + self.rng.randint(0, 25)
        doctor = self.names.han(self.names.surname(), self.rng.choice("MF"), year)
        nurse = self.names.han(self.names.surname(), "F", year + 5)
        return f"医生 {doctor}、护士 {nurse}"

    # -------- building blocks

    def open(
        self,
        pool: str,
        classification: str,
        confirmed_at: dt.datetime,
        *,
        source: str = CaseSource.HOSPITAL_REPORT,
        risk_factors: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Case:
        note = kwargs.pop("source_note", None) or self.rng.choice(
            HOSPITAL_REPORTS if source == CaseSource.HOSPITAL_REPORT else EXTERNAL_NOTICES
        )
        return case_open_by_hand(
            actor=self.planner,
            person=self.person(pool),
            classification=classification,
            confirmed_at=confirmed_at,
            positive_at=confirmed_at - dt.timedelta(minutes=self.rng.randint(20, 90)),
            source=source,
            source_note=note,
            risk_factors=risk_factors,
            at=min(confirmed_at + dt.timedelta(minutes=self.rng.randint(5, 25)), self.now),
            **kwargs,
        )

    def board(self, case: Case) -> Transfer:
        return Transfer.objects.get(case=case, status__in=TRANSFER_IN_FLIGHT)

    def dispatch(self, case: Case, at: dt.datetime, facility: TreatmentFacility | None = None) -> Transfer:
        return transfer_dispatch(
            actor=self.planner, transfer=self.board(case), vehicle=self.vehicle(), crew=self.crew(), facility=facility, at=at
        )

    def transfer(self, case: Case, at: dt.datetime, facility: TreatmentFacility | None = None) -> Transfer:
        """Dispatch, pick up about half an hour later, admit about an hour after that. A third of the
        Fangcang patients go to the two smaller Fangcang rather than the suggested (the biggest)."""
        if facility is None and self.board(case).triage_kind == FacilityKind.FANGCANG and self.rng.random() < 0.35:
            facility = self.rng.choice([self.ruyi, self.jinqiao])
        t = self.dispatch(case, at, facility)
        t = transfer_pick_up(actor=self.planner, transfer=t, at=at + dt.timedelta(minutes=25) + self.jitter(15))
        admitted = t.picked_up_at + dt.timedelta(minutes=30) + self.jitter(30)
        return transfer_admit(actor=self.staff[t.assigned_facility_id], transfer=t, at=admitted)

    def test(self, case: Case, at: dt.datetime, ct: float | None) -> None:
        """A treatment test: positive with a Ct under 35, else negative (Ct ≥ 35, or no Ct at all)."""
        case.refresh_from_db(fields=["facility"])
        staff = self.staff[case.facility_id]
        kwargs: dict[str, Any] = (
            {"result": "negative"} if ct is None else {"ct_orf1ab": ct, "ct_n": round(ct + self.rng.uniform(0, 1.5), 1)}
        )
        case_test_record(actor=staff, case=case, sampled_at=at, reported_at=at + dt.timedelta(hours=5), **kwargs)

    def recover(self, case: Case, first_test: dt.datetime, discharge_at: dt.datetime) -> HealthMonitoring:
        """Two qualifying tests 24 h apart (Ct ≥ 35 or negative), then discharge (clinical conditions
        affirmed for moderate cases and above)."""
        self.test(case, first_test, round(self.rng.uniform(35.5, 38.5), 1))
        self.test(case, first_test + dt.timedelta(hours=24, minutes=self.rng.randint(0, 60)), None)
        case.refresh_from_db()
        clinical = ClinicalCriterion.values if case.peak_classification not in (Classification.ASYMPTOMATIC, Classification.MILD) else []
        discharge = case_discharge(actor=self.staff[case.facility_id], case=case, clinical=clinical, at=discharge_at)
        return discharge.monitoring

    # -------- the stories

    def queue(self) -> None:
        """Round 8's positives: each opened minutes after its result, assessed within the hour, most
        transferred the same day; the last two results came late and still wait (overdue)."""
        from fangkong.testing.selectors import positive_queue

        positives = list(positive_queue(user=self.planner).order_by("detected_at", "id"))
        if not positives:
            return
        cases = []
        for p in positives:  # the periodic task picks each one up within minutes
            report = cases_open_from_queue(actor=self.planner, at=min(p.detected_at + dt.timedelta(minutes=3), self.now), limit=1)
            cases += Case.objects.filter(pk__in=report.case_ids)
        classes = [Classification.MILD, Classification.ASYMPTOMATIC, Classification.MILD, Classification.MODERATE]
        for n, case in enumerate(cases):
            wanted = classes[n % len(classes)]
            if wanted != Classification.ASYMPTOMATIC:
                case_classify(
                    actor=self.planner,
                    case=case,
                    classification=wanted,
                    at=case.confirmed_at + dt.timedelta(minutes=30) + self.jitter(20),
                    note="医疗救治组临床研判",
                )
        for case in cases[:-2]:
            case.refresh_from_db()
            self.transfer(case, case.confirmed_at + dt.timedelta(minutes=70) + self.jitter(30))

    def closed(self) -> None:
        """Confirmed ten or eleven days ago, discharged two or three days later, home monitoring
        completed (the case is closed)."""
        for days, classification in ((11, Classification.ASYMPTOMATIC), (11, Classification.MODERATE), (10, Classification.ASYMPTOMATIC),
                                     (10, Classification.MILD), (10, Classification.ASYMPTOMATIC)):  # fmt: skip
            pool = "old" if classification == Classification.MODERATE else "young"
            case = self.open(pool, classification, self.day(days, 9 + self.rng.random() * 8))
            self.transfer(case, case.confirmed_at + dt.timedelta(hours=1) + self.jitter())
            discharged = days - (3 if classification == Classification.MODERATE else 2)
            monitoring = self.recover(case, self.day(discharged + 1, 7), self.day(discharged, 15))
            monitoring_record_test(
                actor=self.planner, monitoring=monitoring, sampled_at=monitoring.starts_at + dt.timedelta(days=2), result="negative"
            )
            monitoring_complete(actor=self.planner, monitoring=monitoring, at=monitoring.ends_at + dt.timedelta(hours=9, minutes=30))

    def in_monitoring(self) -> None:
        """Discharged in the past week (the last yesterday), now in home monitoring (four in the demo
        community); the oldest is due to end today, most have had a test."""
        for days, pool in (
            (9, "home"),
            (8, "young"),
            (8, "home"),
            (7, "young"),
            (6, "home"),
            (6, "young"),
            (5, "young"),
            (4, "home"),
            (4, "young"),
            (3, "young"),
        ):
            case = self.open(
                pool, self.rng.choice([Classification.ASYMPTOMATIC] * 3 + [Classification.MILD]), self.day(days, 10 + self.rng.random() * 8)
            )
            self.transfer(case, case.confirmed_at + dt.timedelta(hours=1) + self.jitter())
            monitoring = self.recover(case, self.day(days - 1, 7), self.day(days - 2, 15))
            test_day = monitoring.starts_at + dt.timedelta(days=2)
            if test_day < self.ago(2):
                monitoring_record_test(actor=self.planner, monitoring=monitoring, sampled_at=test_day, result="negative")

    def reopened(self) -> None:
        """Discharged five days ago; positive again during home monitoring: back on the board."""
        case = self.open("home", Classification.MILD, self.day(8, 11))
        self.transfer(case, case.confirmed_at + dt.timedelta(hours=1))
        monitoring = self.recover(case, self.day(7, 7), self.day(5, 15))
        monitoring_record_test(actor=self.planner, monitoring=monitoring, sampled_at=self.day(3, 8), result="negative")
        sampled = max(self.ago(14), monitoring.starts_at + dt.timedelta(hours=1))
        monitoring_record_test(
            actor=self.planner,
            monitoring=monitoring,
            sampled_at=sampled,
            ct_orf1ab=31.2,
            ct_n=32.6,
            reported_at=sampled + dt.timedelta(hours=6),
        )

    def admitted(self) -> None:
        """Under treatment: Fangcang cases with their first tests, elderly and moderate cases in the
        designated hospitals, one imported case, one severe case in the ICU."""
        asym, mild, moderate = Classification.ASYMPTOMATIC, Classification.MILD, Classification.MODERATE
        for days, classification in ((5, asym), (4, asym), (3, mild), (3, asym), (2, asym), (2, mild), (1, asym)):
            case = self.open("young" if days % 2 else "home", classification, self.day(days, 9 + self.rng.random() * 9))
            self.transfer(case, case.confirmed_at + dt.timedelta(hours=1) + self.jitter())
            if days >= 2:
                self.test(case, self.day(days - 1, 7), round(self.rng.uniform(24, 31), 1))
            if days >= 3:
                self.test(case, self.day(days - 2, 7), round(self.rng.uniform(31, 34.5), 1))
        for days, classification, factors in (
            (4, mild, ()),
            (3, moderate, ()),
            (2, asym, ()),
            (1, mild, (RiskFactor.UNDERLYING_CONDITION,)),
        ):
            case = self.open("old", classification, self.day(days, 10 + self.rng.random() * 8), risk_factors=factors)
            self.transfer(case, case.confirmed_at + dt.timedelta(hours=1) + self.jitter())
            if days >= 2:
                self.test(case, self.day(days - 1, 7), round(self.rng.uniform(22, 30), 1))
        imported = self.open(
            "young",
            Classification.MILD,
            self.day(6, 15),
            source=CaseSource.EXTERNAL_NOTICE,
            source_note="二连浩特口岸入境人员，锡林郭勒盟疫情防控指挥部协查通报",
            is_imported=True,
        )
        self.transfer(imported, imported.confirmed_at + dt.timedelta(hours=2), facility=self.hospital2)
        self.test(imported, self.day(4, 7), 29.4)
        # Moderate on arrival, severe two days later: to the ICU of the same hospital (a move on the spot).
        severe = self.open("old", Classification.MODERATE, self.day(3, 16), risk_factors=(RiskFactor.UNDERLYING_CONDITION,))
        self.transfer(severe, severe.confirmed_at + dt.timedelta(hours=1), facility=self.hospital4)
        staff = self.staff[self.hospital4.pk]
        outcome = case_classify(
            actor=staff, case=severe, classification=Classification.SEVERE, at=self.day(1, 3.5), note="血氧饱和度 89%，呼吸频率 32 次/分"
        )
        if outcome.transfer is not None:
            transfer_admit(actor=staff, transfer=outcome.transfer, facility=self.hospital4, bed_type=BedType.ICU, at=self.day(1, 4))

    def moves(self) -> None:
        """Mild in a Fangcang, moderate two days later: moved to a designated hospital."""
        case = self.open("young", Classification.MILD, self.day(4, 14))
        self.transfer(case, case.confirmed_at + dt.timedelta(hours=1), facility=self.expo)
        outcome = case_classify(
            actor=self.staff[self.expo.pk],
            case=case,
            classification=Classification.MODERATE,
            at=self.day(2, 10),
            note="发热 38.6℃，胸部 CT 见磨玻璃影",
        )
        if outcome.transfer is not None:
            self.transfer(case, self.day(2, 11))

    def on_the_spot(self) -> None:
        """A designated hospital's own patient: reported by it and admitted on the spot (就地收治)."""
        case = self.open(
            "old",
            Classification.MODERATE,
            self.day(3, 20),
            source_note="呼和浩特市第二医院急诊科报告（就诊时核酸阳性）",
            reporting_facility=self.hospital2,
        )
        transfer_admit(actor=self.staff[self.hospital2.pk], transfer=self.board(case), at=case.confirmed_at + dt.timedelta(minutes=40))

    def refused(self) -> None:
        """Two refusals: one Fangcang had no bed left that day (re-dispatched and admitted elsewhere);
        another found the patient too ill (reclassified moderate, waiting for a hospital bed)."""
        first = self.open("young", Classification.ASYMPTOMATIC, self.day(1, 10))
        t = self.dispatch(first, first.confirmed_at + dt.timedelta(hours=1), facility=self.gym)
        t = transfer_pick_up(actor=self.planner, transfer=t, at=t.dispatched_at + dt.timedelta(minutes=30))
        transfer_refuse(
            actor=self.staff[self.gym.pk], transfer=t, reason="当日接收能力已满，暂停收治", at=t.picked_up_at + dt.timedelta(minutes=45)
        )
        self.transfer(first, t.picked_up_at + dt.timedelta(minutes=70), facility=self.expo)

        second = self.open("young", Classification.MILD, self.ago(6))
        t = self.dispatch(second, self.ago(5), facility=self.ruyi)
        t = transfer_pick_up(actor=self.planner, transfer=t, at=self.ago(4.5))
        transfer_refuse(actor=self.staff[self.ruyi.pk], transfer=t, reason="入舱评估：血氧饱和度 93%，需转定点医院", at=self.ago(3.5))
        case_classify(
            actor=self.planner, case=second, classification=Classification.MODERATE, at=self.ago(3.2), note="方舱入舱评估后改判普通型"
        )

    def on_the_way(self) -> None:
        """Today's: two picked up, two with a vehicle on its way."""
        for hours in (5, 4):
            case = self.open("young", Classification.ASYMPTOMATIC, self.ago(hours))
            t = self.dispatch(case, self.ago(2.2))
            transfer_pick_up(actor=self.planner, transfer=t, at=self.ago(1.2))
        for hours, pool in ((3, "old"), (2, "young")):
            case = self.open(pool, Classification.MILD, self.ago(hours))
            self.dispatch(case, self.ago(0.5))

    def waiting(self) -> None:
        """On the board: three of today's, and one from two days ago long past its deadline."""
        self.open("old", Classification.ASYMPTOMATIC, self.ago(2.5))
        self.open("young", Classification.MILD, self.ago(1.2))
        self.open("home", Classification.ASYMPTOMATIC, self.ago(0.6), source=CaseSource.EXTERNAL_NOTICE)
        self.open(
            "young",
            Classification.ASYMPTOMATIC,
            self.day(2, 21.5),
            source=CaseSource.EXTERNAL_NOTICE,
            source_note="外地协查通报：返呼人员，暂未联系上",
        )

    def withdrawn(self) -> None:
        """Opened from another city's notice, withdrawn the same day: the wrong person."""
        case = self.open("young", Classification.ASYMPTOMATIC, self.day(2, 11), source=CaseSource.EXTERNAL_NOTICE)
        case_withdraw(
            actor=self.planner,
            case=case,
            reason="协查通报人员信息有误（同名同姓），经核实非本人",
            at=case.confirmed_at + dt.timedelta(hours=3),
        )


def _queue_person_ids() -> list[int]:
    from fangkong.testing.selectors import positive_person_ids

    return positive_person_ids()


__all__ = ["DEMO_FACILITIES", "FACILITY_USERNAME", "PLANNER_USERNAME", "CasesStats", "cases_generate", "cases_stats"]
