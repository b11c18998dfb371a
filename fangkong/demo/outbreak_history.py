"""The demo's last three weeks (演示：近 21 天疫情曲线), for the capacity forecast and its back-test
(fangkong.reports.capacity): a wave growing about 13 % a day — new positives confirmed on each of
the last 21 days, each admitted to a 方舱 (most) or a 定点医院 and discharged after 6–15 days (closed
in the demo; those still in stay hold a bed), and about five close contacts per positive traced and
isolated the same day at a demo site sized a little above today's need (so the rooms run out
within the week at that growth), released after the active profile's central days with every
central test negative, then home days, then completed.

Contacts go through 快隔's own bulk services (contacts_add_bulk, episodes_check_in_bulk); what a
site would record after check-in (the tests' results, the release, the home phase) is written as
its outcome, day by day, so that rooms free up in order. Residents are drawn from communities with
no risk area (a positive there would restart an area's lifting clock) who have never been a case
or a contact. Runs once (the site's name marks it); all or nothing."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from fangkong.accounts.models import GrantLevel
from fangkong.accounts.services.service_accounts import service_account
from fangkong.cases.choices import BedType, CaseSource, CaseStatus, Classification, FacilityKind
from fangkong.cases.models import Case, CaseClassification, FacilityBeds, TreatmentFacility
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import Community, Person
from fangkong.isolation.choices import EpisodeStatus, ExposureType, TestPhase
from fangkong.isolation.models import Contact, IsolationEpisode, IsolationSite, RoomStay, ScheduledTest
from fangkong.isolation.services import BulkCheckIn, episodes_check_in_bulk, room_create_many, rooms_by_floor, site_create
from fangkong.isolation.tracing.contacts_bulk import BulkContact, contacts_add_bulk
from fangkong.policy.regimen import local_date, local_midnight
from fangkong.results.choices import Result
from fangkong.zoning.choices import FoundIn
from fangkong.zoning.models import RiskArea

SITE_NAME = "呼和浩特职业学院集中隔离点（演示·近三周）"
ACTOR = "synthetic-history"
DAYS = 21
GROWTH = 1.13
FIRST_DAY = 2.2  # positives on the first day, at scale 1
CONTACTS_PER_CASE = (4.5, 6.5)
ROOM_MARGIN = 1.15  # rooms: today's central need × this
FANGCANG_SHARE = 0.85
STAY = {FacilityKind.FANGCANG: (6, 10), FacilityKind.HOSPITAL: (9, 15)}


@dataclass
class HistoryStats:
    cases: int = 0
    in_beds: int = 0
    contacts: int = 0
    in_rooms: int = 0
    rooms: int = 0

    def __str__(self) -> str:
        return (
            f"近 {DAYS} 天：新增阳性 {self.cases} 人（在院 {self.in_beds} 人），密接 {self.contacts} 人"
            f"（集中隔离中 {self.in_rooms} 人），演示隔离点房间 {self.rooms} 间"
        )


def history_exists() -> bool:
    return IsolationSite.objects.filter(name=SITE_NAME).exists()


def _curve(rng: random.Random, scale: float) -> tuple[list[int], list[int]]:
    cases = [max(1, round(scale * FIRST_DAY * GROWTH**k * rng.uniform(0.8, 1.2))) for k in range(DAYS)]
    contacts = [round(n * rng.uniform(*CONTACTS_PER_CASE)) for n in cases]
    return cases, contacts


def _people(n: int, rng: random.Random) -> list[tuple]:
    """n residents never a case or a contact, in communities with no risk area, in random order."""
    areas = set(RiskArea.objects.values_list("community_id", flat=True))
    communities = list(Community.objects.exclude(pk__in=areas).values_list("pk", flat=True))
    taken = set(Case.objects.values_list("person_id", flat=True)) | set(IsolationEpisode.objects.values_list("person_id", flat=True))
    taken |= set(Contact.objects.values_list("person_id", flat=True))
    rows = [
        r
        for r in Person.objects.filter(community_id__in=communities, household__isnull=False)
        .order_by("id")
        .values_list("id", "district_id", "street_id", "community_id", "grid_id", "household_id")[: n * 3 + 500]
        if r[0] not in taken
    ]
    rng.shuffle(rows)
    if len(rows) < n:
        raise DomainError(f"登记库中可用居民不足 {n} 人 / not enough residents for the history", rule="demo.history")
    return rows[:n]


def history_generate(*, seed: int = 2022, now: dt.datetime | None = None, scale: float | None = None) -> HistoryStats:
    """`scale`: the wave's size (1 = ~210 positives and ~1,200 contacts in three weeks); by default in
    proportion to the registry (1 at the demo's 50,000 people, at most 1)."""
    now = now or timezone.now()
    if history_exists():
        raise DomainError("演示疫情历史已存在 / the demo history exists", rule="demo.history")
    if scale is None:
        scale = min(1.0, Person.objects.count() / 50_000)
    rng = random.Random(seed + 21)
    today = local_date(now)
    first = today - dt.timedelta(days=DAYS)
    case_counts, contact_counts = _curve(rng, scale)
    actor = service_account(
        ACTOR, Role.COMMAND_CENTRE, "合成数据·近三周疫情（演示）", level=GrantLevel.CITY, reason="演示数据：近三周疫情曲线"
    )
    stats = HistoryStats()
    with transaction.atomic():
        people = _people(sum(case_counts) + sum(contact_counts), rng)
        facilities = {
            kind: list(TreatmentFacility.objects.filter(kind=kind, is_active=True).order_by("id")) for kind in FacilityKind.values
        }
        if not all(facilities.values()):
            raise DomainError("请先生成定点医院和方舱 / the facilities come first", rule="demo.history")
        cases = _cases(actor, people[: sum(case_counts)], case_counts, first, facilities, rng, now, stats)
        _contacts(actor, people[sum(case_counts) :], contact_counts, cases, first, rng, now, stats)
    return stats


def _cases(actor, people, counts, first, facilities, rng, now, stats) -> list[tuple[int, dt.datetime]]:
    """Cases confirmed each day, admitted two hours later, discharged after their stay (closed then)."""
    rows, in_beds = [], {}
    it = iter(people)
    for k, n in enumerate(counts):
        for _ in range(n):
            pid, d, s, c, g, h = next(it)
            confirmed = min(
                local_midnight(first + dt.timedelta(days=k)) + dt.timedelta(hours=rng.uniform(8, 20)), now - dt.timedelta(hours=3)
            )
            kind = FacilityKind.FANGCANG if rng.random() < FANGCANG_SHARE else FacilityKind.HOSPITAL
            facility = rng.choice(facilities[kind])
            admitted = confirmed + dt.timedelta(hours=2)
            discharged = admitted + dt.timedelta(days=rng.randint(*STAY[kind]), hours=rng.uniform(0, 6))
            still_in = discharged > now
            cls = Classification.ASYMPTOMATIC if rng.random() < 0.7 else Classification.MILD
            rows.append(
                Case(
                    person_id=pid, district_id=d, street_id=s, community_id=c, grid_id=g, household_id=h,
                    classification=cls, initial_classification=cls, peak_classification=cls,
                    positive_at=confirmed - dt.timedelta(hours=1), confirmed_at=confirmed, opened_at=confirmed,
                    found_in=FoundIn.COMMUNITY, found_in_basis="演示历史：社会面筛查", source=CaseSource.QUEUE,
                    source_note="演示历史数据", status=CaseStatus.ADMITTED if still_in else CaseStatus.CLOSED,
                    facility=facility, bed_type=BedType.GENERAL, first_admitted_at=admitted, admitted_at=admitted,
                    discharged_at=None if still_in else discharged, closed_at=None if still_in else discharged, opened_by=actor,
                )
            )  # fmt: skip
            if still_in:
                in_beds[facility.pk] = in_beds.get(facility.pk, 0) + 1
    created = Case.objects.bulk_create(rows)
    # Registered when confirmed (history, not news: the alert rules read created_at past their watermark).
    Case.objects.filter(pk__in=[c.pk for c in created]).update(created_at=F("confirmed_at"), updated_at=F("confirmed_at"))
    CaseClassification.objects.bulk_create(
        CaseClassification(case=c, classification=c.classification, classified_at=c.confirmed_at, classified_by=actor) for c in created
    )
    for facility_id, n in in_beds.items():
        beds = FacilityBeds.objects.get(facility_id=facility_id, bed_type=BedType.GENERAL)
        FacilityBeds.objects.filter(pk=beds.pk).update(occupied=F("occupied") + n, capacity=max(beds.capacity, beds.occupied + n))
    stats.cases, stats.in_beds = len(created), sum(in_beds.values())
    return [(c.pk, c.confirmed_at) for c in created]


def _contacts(actor, people, counts, cases, first, rng, now, stats) -> None:
    """Each day's contacts traced at once and checked in three hours later to rooms free then; those
    whose central days are over released (every central test negative), home, then completed."""
    central = _central_days(actor)
    identified = [
        min(local_midnight(first + dt.timedelta(days=k)) + dt.timedelta(hours=rng.uniform(10, 16)), now - dt.timedelta(hours=4))
        for k in range(len(counts))
    ]
    in_now = sum(n for n, at in zip(counts, identified, strict=True) if at + dt.timedelta(days=central, hours=3) > now)
    peak = max(sum(counts[max(0, k - central) : k + 1]) for k in range(len(counts)))
    rooms_n = max(peak, math.ceil(in_now * ROOM_MARGIN))
    site = site_create(
        actor=actor, name=SITE_NAME, community=Community.objects.order_by("id").first(), address="赛罕区学苑东街（演示）",
        capacity=rooms_n,
    )  # fmt: skip
    per_floor = 50
    rooms = room_create_many(actor=actor, site=site, rooms=rooms_by_floor(range(1, -(-rooms_n // per_floor) + 1), per_floor))
    free_from = {r.pk: dt.datetime.min.replace(tzinfo=dt.UTC) for r in rooms}
    it = iter(people)
    exposures = list(ExposureType.values)
    for n, at in zip(counts, identified, strict=True):
        known = [c for c in cases if c[1] < at - dt.timedelta(hours=1)] or cases[:1]
        batch = [next(it) for _ in range(n)]
        rows = []
        for pid, *_places in batch:
            case_id, confirmed = rng.choice(known[-60:])
            rows.append(
                BulkContact(
                    pid, case_id, rng.choice(exposures), "演示历史接触地点", min(confirmed, at) - dt.timedelta(hours=rng.randint(6, 40))
                )
            )
        report = contacts_add_bulk(actor=actor, rows=rows, identified_at=at)
        check_in = at + dt.timedelta(hours=3)
        free = [pk for pk, t in free_from.items() if t <= check_in]
        assignments = [BulkCheckIn(report.episode_of[pid], room) for (pid, *_p), room in zip(batch, free, strict=False)]
        episodes_check_in_bulk(actor=actor, assignments=assignments, at=min(check_in, now - dt.timedelta(minutes=30)))
        for a in assignments:
            free_from[a.room_id] = check_in + dt.timedelta(days=central, hours=1)
        _outcome([a.episode_id for a in assignments], now)
        stats.contacts += len(rows)
    stats.in_rooms = RoomStay.objects.filter(room__site=site, ended_at__isnull=True).count()
    stats.rooms = len(rooms)


def _central_days(actor) -> int:
    from fangkong.policy.rules import rule

    return int(rule("close_contact.central_days").value)


def _outcome(episode_ids: list[int], now: dt.datetime) -> None:
    """What the site recorded since check-in: every test due before today negative (sampled 08:00,
    resulted 14:00); the release at the end of the central days (the stay ends), the home phase, the
    completion — each only once its time has passed."""
    today = local_date(now)
    tests = ScheduledTest.objects.filter(episode_id__in=episode_ids, due_date__lt=today)
    for due in set(tests.values_list("due_date", flat=True)):
        start = local_midnight(due)
        tests.filter(due_date=due).update(
            result=Result.NEGATIVE, sampled_at=start + dt.timedelta(hours=8), resulted_at=start + dt.timedelta(hours=14)
        )
    episodes = IsolationEpisode.objects.filter(pk__in=episode_ids, central_until__lte=now)
    for e in episodes.only("pk", "central_until", "home_until"):
        released = e.central_until
        done = e.home_until is not None and e.home_until <= now
        IsolationEpisode.objects.filter(pk=e.pk).update(
            status=EpisodeStatus.COMPLETED if done else EpisodeStatus.HOME_ISOLATION,
            released_at=released,
            handed_over_at=released + dt.timedelta(hours=1),
            home_started_at=released + dt.timedelta(hours=2),
            ended_at=e.home_until if done else None,
            end_reason="期满解除（演示历史）" if done else "",
        )
        RoomStay.objects.filter(episode_id=e.pk, ended_at__isnull=True).update(ended_at=released)
    # Home-phase tests of the days past are recorded too (the community's).
    ScheduledTest.objects.filter(episode_id__in=episode_ids, phase=TestPhase.HOME, due_date__lt=today, result="").update(
        result=Result.NEGATIVE
    )
