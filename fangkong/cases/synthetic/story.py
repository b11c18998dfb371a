"""The synthetic 快转 story, step by step through the 快转 services (the package's docstring tells it)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop
from tqdm import tqdm

from fangkong.accounts.models import GrantLevel, User
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.roles import Role
from fangkong.geo.birth import SEALED_BIRTH_FIELDS, age_on, birth_date_from
from fangkong.geo.models import Community, District, Person
from fangkong.geo.synthetic.names import NameMaker
from fangkong.policy.regimen import local_midnight

from ..choices import (
    TRANSFER_IN_FLIGHT,
    BedType,
    CaseSource,
    Classification,
    ClinicalCriterion,
    FacilityKind,
    RiskFactor,
)
from ..models import Case, HealthMonitoring, Transfer, TreatmentFacility
from ..querysets import TREATMENT_GRANT
from ..services import (
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
from .facilities import (
    DEMO_COMMUNITY,
    DEMO_FACILITIES,
    EXTERNAL_NOTICES,
    FACILITY_USERNAME,
    HOSPITAL_REPORTS,
    OCCUPIED_REASON,
    PLANNER_USERNAME,
    VEHICLES,
)

_service_account = partial(service_account, reason=gettext_noop("合成病例数据"))


@dataclass
class _Person:
    pk: int
    age: int
    community_id: int | None


class Story:
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
