"""The synthetic testing round: a completed round on a small synthetic city, the command, the demo."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from fangkong.accounts.models import Grant, GrantLevel, User
from fangkong.audit.models import AuditEvent
from fangkong.core.bulk import forget_reservations
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import Community, Grid
from fangkong.geo.synthetic import RegistryNotEmpty, city_generate
from fangkong.results.choices import Result
from fangkong.testing.choices import CheckOutcome, ControlStatus, PoolingMode, ResamplingReason, ResamplingStatus, StickerStatus, TubeStatus
from fangkong.testing.events import TestingEvent
from fangkong.testing.models import (
    ConfirmedPositive,
    HouseholdCheck,
    Laboratory,
    PersonCheck,
    PersonControl,
    ResamplingTask,
    SamplingPoint,
    Tube,
    TubeMember,
)
from fangkong.testing.models import (
    TestingRound as Round,
)
from fangkong.testing.selectors import door_knocking_list, overdue_by, positive_queue, press_report, resampling_task_list
from fangkong.testing.synthetic import DEMO_LABS, PLANNER_USERNAME, default_start, pack_tubes, round_generate
from fangkong.zoning.choices import FoundIn

from ..factories import make_user
from .factories import BEIJING

pytestmark = pytest.mark.django_db

START = dt.datetime(2022, 10, 20, 7, 0, tzinfo=BEIJING)
PEOPLE = 3_000


@pytest.fixture
def city():
    return city_generate(actor=None, people=PEOPLE, seed=7)


def demo_grid() -> Grid:
    community = Community.objects.get(name="迎宾南路社区", street__name="中山东路街道", street__district__code="150102")
    return Grid.objects.filter(community=community).order_by("id").first()


def planner() -> User:
    return User.objects.get(username=PLANNER_USERNAME)


def test_a_completed_round_with_positives_tasks_and_checks(city):
    stats = round_generate(starts_at=START)
    testing_round = Round.objects.get(number=8)
    assert testing_round.starts_at == START
    assert Laboratory.objects.count() == 3
    assert SamplingPoint.objects.count() == Community.objects.count() == stats.sampling_points
    assert all(p.opening_hours == "07:00-21:00" and p.name.endswith("核酸采样点") for p in SamplingPoint.objects.all())

    # ~97 % sampled over one morning; every tube but four has its result; those four are overdue.
    routine = TubeMember.objects.filter(round=testing_round, is_resample=False)
    assert 0.95 * PEOPLE < stats.samples == routine.count() < PEOPLE
    tubes = Tube.objects.filter(round=testing_round)
    assert stats.tubes == tubes.filter(is_resample=False).count()
    unreported = tubes.filter(resulted_at__isnull=True)
    assert unreported.count() == stats.overdue_tubes == 4
    assert all(t.status == TubeStatus.RECEIVED and t.laboratory_id for t in unreported)
    assert stats.samples - stats.resulted == sum(t.member_count for t in unreported)
    assert sum(g.overdue_tubes for g in overdue_by(user=planner(), testing_round=testing_round, by="laboratory")) == 4
    assert tubes.exclude(pk__in=unreported).exclude(result__in=[Result.NEGATIVE, Result.POSITIVE]).count() == 0
    first, last = routine.order_by("sampled_at").first().sampled_at, routine.order_by("-sampled_at").first().sampled_at
    assert first >= START and last <= START + dt.timedelta(hours=9)
    assert tubes.exclude(resulted_at=None).order_by("-resulted_at").first().resulted_at < START + dt.timedelta(hours=24)
    modes = set(tubes.filter(is_resample=False).values_list("pooling_mode", flat=True))
    assert modes == {PoolingMode.POOLED_10, PoolingMode.SINGLE}

    # Positives: pooled tubes → controls and tasks; single positives in the queue, split both ways.
    assert stats.pool_positive_tubes == 3
    queue = positive_queue(user=planner(), testing_round=testing_round)
    assert queue.count() == stats.positives == stats.positives_in_control + stats.positives_in_community
    found = set(queue.values_list("found_in", flat=True))
    assert found == {FoundIn.CONTROLLED, FoundIn.COMMUNITY}
    assert queue.filter(found_in=FoundIn.COMMUNITY).count() == 1
    assert queue.filter(tube__is_resample=True).count() == 2  # one re-test positive in each re-tested pool
    assert PersonControl.objects.filter(status=ControlStatus.LIFTED).count() == stats.controls_lifted > 0
    assert stats.resampled == tubes.filter(is_resample=True).count() > 0

    # The demo grid: one pool awaiting its re-tests, a bedridden resident's home sampling, the checks.
    grid = demo_grid()
    worker = make_user("grid-worker", Role.GRID_WORKER, [("grid", grid)])
    tasks = list(resampling_task_list(user=worker, testing_round=testing_round, grid=grid))
    pool_tasks = [t for t in tasks if t.reason == ResamplingReason.POOL_POSITIVE]
    assert len(pool_tasks) == 10 and all(t.status == ResamplingStatus.OPEN for t in pool_tasks)
    assert len({t.origin_tube_id for t in pool_tasks}) == 1
    controlled = set(PersonControl.objects.filter(status=ControlStatus.ACTIVE).values_list("person_id", flat=True))
    assert {t.person_id for t in pool_tasks} <= controlled
    assert any(t.reason == ResamplingReason.HOME_SAMPLING for t in tasks)
    outcomes = dict(PersonCheck.objects.filter(round=testing_round).values_list("outcome").distinct().values_list("outcome", "grid_id"))
    assert set(outcomes) >= {CheckOutcome.AWAY, CheckOutcome.BEDRIDDEN, CheckOutcome.REFUSED, CheckOutcome.SAMPLED_ON_SPOT}
    assert set(outcomes.values()) == {grid.pk}
    assert all(c.whereabouts for c in PersonCheck.objects.filter(outcome=CheckOutcome.AWAY))
    assert HouseholdCheck.objects.filter(sticker=StickerStatus.POSTED).count() == stats.households_checked == 5
    knock = door_knocking_list(user=worker, testing_round=testing_round, grid_id=grid.pk)
    assert len(knock) > stats.households_checked  # households still to visit
    assert {m.outcome for h in knock for m in h.missing} >= {"", CheckOutcome.AWAY, CheckOutcome.REFUSED}

    # The press report agrees with the counts.
    report = press_report(user=planner(), testing_round=testing_round)
    assert report.zh == stats.press_zh
    by_district = "、".join(f"{name}{n}例" for name, n in report.by_district)
    assert f"共采集样本{stats.samples}人份，已出结果{stats.resulted}人份" in report.zh
    assert f"共检出阳性{stats.positives}例（{by_district}）" in report.zh
    assert f"其中隔离管控区域{stats.positives_in_control}例、社会面{stats.positives_in_community}例。" in report.zh
    assert report.by_district[0][0] == "新城区"


def test_each_lab_reports_its_own_tubes_through_its_own_account(city):
    round_generate(starts_at=START)
    for name, code in DEMO_LABS:
        lab = Laboratory.objects.get(name=name, code=code)
        account = User.objects.get(username=f"synthetic-lab-{code.lower()}")
        assert not account.has_usable_password()
        visible = Tube.objects.visible_to(account)
        assert visible.count() == Tube.objects.filter(laboratory=lab).count() > 0
    ingested = AuditEvent.objects.filter(event_type=TestingEvent.RESULTS_INGESTED)
    assert {e.actor_name for e in ingested} == {f"synthetic-lab-{code.lower()}" for _n, code in DEMO_LABS}
    assert not planner().has_usable_password()


def snapshot() -> dict:
    tubes = {t.barcode: t for t in Tube.objects.all()}
    return {
        "members": sorted(TubeMember.objects.values_list("tube__barcode", "person_id", "sampled_at")),
        "results": sorted((b, t.result, t.resulted_at) for b, t in tubes.items()),
        "positives": sorted(ConfirmedPositive.objects.values_list("person_id", "tube__barcode", "ct_orf1ab", "found_in")),
        "tasks": sorted(ResamplingTask.objects.values_list("person_id", "reason", "status")),
        "checks": sorted(PersonCheck.objects.values_list("person_id", "outcome", "whereabouts")),
    }


def test_same_seed_same_round_and_another_seed_another(city):
    class Undo(Exception):
        pass

    taken = []
    for seed in (5, 5, 6):
        with pytest.raises(Undo), transaction.atomic():
            round_generate(seed=seed, starts_at=START)
            taken.append(snapshot())
            raise Undo
        forget_reservations()
    assert taken[0] == taken[1]
    assert taken[0]["positives"] != taken[2]["positives"]


def test_refuses_an_empty_registry_a_used_number_and_a_future_start(city):
    with pytest.raises(DomainError, match="25.5"):
        round_generate(starts_at=timezone.now() - dt.timedelta(hours=2))
    round_generate(starts_at=START)
    with pytest.raises(DomainError, match="第 8 轮已存在"):
        round_generate(starts_at=START)
    with pytest.raises(CommandError, match="--number"):
        call_command("make_round", "--no-progress", verbosity=0)
    # The city cannot be replaced from under the round: refused at once, naming the tables.
    with pytest.raises(RegistryNotEmpty, match="testing_tubemember"):
        city_generate(actor=None, people=300, seed=1, replace=True)


def test_refuses_an_empty_registry():
    with pytest.raises(CommandError, match="make_city"):
        call_command("make_round", "--no-progress", verbosity=0)
    assert not Round.objects.exists()


def test_make_round_prints_a_summary(city):
    out = StringIO()
    call_command("make_round", "--number", "3", "--seed", "9", "--no-progress", stdout=out)
    text = out.getvalue()
    testing_round = Round.objects.get(number=3)
    stats = press_report(user=planner(), testing_round=testing_round)
    assert f"{stats.sampled:,} 人份" in text and "阳性" in text and stats.zh in text
    assert testing_round.starts_at == default_start()
    assert timezone.localtime(testing_round.starts_at, BEIJING).hour == 7
    assert testing_round.starts_at + dt.timedelta(hours=24, minutes=90) <= timezone.now()


def test_pack_tubes_starts_a_tube_per_community_and_when_full():
    people = [(i, "A") for i in range(12)] + [(i, "B") for i in range(12, 14)]
    tubes = [(n, c) for n, c, _p in pack_tubes(people, lambda c: 10 if c == "A" else 1)]
    assert tubes == [(1, "A")] * 10 + [(2, "A")] * 2 + [(3, "B"), (4, "B")]


def test_demo_builds_the_round_and_grants_the_lab_account():
    call_command("demo", "--no-serve", "--people", "2000", verbosity=0)
    testing_round = Round.objects.get(number=8)  # and round 9, today's door-to-door screening of a high-risk area (closed)
    lab = Laboratory.objects.get(name=DEMO_LABS[0][0])
    grants = set(Grant.objects.filter(user__username="lab").values_list("level", "place_id", "facility_kind"))
    assert grants == {(GrantLevel.FACILITY, lab.pk, "laboratory")}
    account = User.objects.get(username="lab")
    visible = Tube.objects.visible_to(account).filter(round=testing_round)
    assert visible.count() == Tube.objects.filter(laboratory=lab, round=testing_round).count() > 0
    # The grid account's grid is the demo grid: it sees the open re-sampling tasks.
    grid_account = User.objects.get(username="grid")
    assert resampling_task_list(user=grid_account, testing_round=testing_round).filter(status=ResamplingStatus.OPEN).exists()
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert f"{lab.name}（检测机构）" in out.getvalue()
    call_command("demo", "--no-serve", "--people", "2000", verbosity=0)  # a second run keeps the round and the grant
    assert Round.objects.count() == 2
    assert set(Grant.objects.filter(user__username="lab").values_list("level", "place_id", "facility_kind")) == grants


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (dt.datetime(2022, 11, 22, 12, 0), dt.datetime(2022, 11, 21, 7, 0)),
        (dt.datetime(2022, 11, 22, 8, 30), dt.datetime(2022, 11, 21, 7, 0)),
        (dt.datetime(2022, 11, 22, 8, 29), dt.datetime(2022, 11, 20, 7, 0)),
        (dt.datetime(2022, 11, 22, 0, 5), dt.datetime(2022, 11, 20, 7, 0)),
    ],
)
def test_the_default_start_is_the_latest_morning_whose_next_morning_has_passed(now, start):
    assert default_start(now.replace(tzinfo=BEIJING)) == start.replace(tzinfo=BEIJING)


@pytest.mark.parametrize(
    "after", [dt.timedelta(0), dt.timedelta(seconds=48), dt.timedelta(minutes=59), dt.timedelta(hours=5), dt.timedelta(hours=15)]
)
def test_todays_screening_is_sampled_after_midnight_and_reported_by_now_at_any_hour(after):
    from fangkong.policy.regimen import local_midnight
    from fangkong.testing.synthetic.screening import screening_times

    midnight = local_midnight(dt.date(2026, 12, 8))
    now = midnight + after
    sampled, reported = screening_times(now)
    assert midnight <= sampled <= reported <= now  # 00:00:48 once sampled at 00:01 and reported at 00:00:48
    if after >= dt.timedelta(hours=10):
        assert sampled == midnight + dt.timedelta(hours=7)
