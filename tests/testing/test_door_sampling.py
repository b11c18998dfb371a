"""上门采样 in the high-risk areas (足不出户、上门服务): a round plans one task per household of a
high-risk area in force in its scope — not of a lifted area, not of a low-risk one — with the pooling
the active profile sets (20 measures: 1户1管 allowed; early 2020: single tubes only); planning twice
adds nothing; a grid worker sees and samples their grid's households only; a task is done when every
resident is bound to a tube of the round, by whichever path."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.testing.choices import PoolingMode
from fangkong.testing.models import DoorSamplingTask, Tube, TubeMember
from fangkong.testing.selectors.door_sampling import door_counts, door_tasks
from fangkong.testing.services import Binding, bulk_bind, door_sampling_collect, door_sampling_plan
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.models import RiskArea
from fangkong.zoning.services import area_declare

from ..factories import make_person, make_tree, make_user
from ..isolation.factories import use_profile
from .factories import make_point, make_round

pytestmark = pytest.mark.django_db


def declare(users, tree, area_class=AreaClass.SEALED, name="高风险区"):
    return area_declare(
        actor=users["command"],
        name=name,
        area_class=area_class,
        places=[("building", tree.building.pk)],
        reason="同楼确诊",
        in_force_at=timezone.now() - dt.timedelta(days=1),
    )


@pytest.fixture
def zoned(city, users):
    """Home building (two households) and the neighbour's building (another grid) high-risk in force;
    a building of the second grid lifted; another district's building low-risk; one building of the
    home grid in no area."""
    use_profile("twenty-measures")
    extra = make_tree(household="102")
    for name in ("钱一", "钱二", "钱三"):
        make_person(extra.household, name)
    lifted = make_tree(grid="第二网格", building="5号楼", household="501")
    make_person(lifted.household, "孙五")
    free = make_tree(building="9号楼", household="901")
    make_person(free.household, "周九")
    declare(users, city.home, name="1号楼")
    declare(users, city.neighbour, name="2号楼")
    gone = declare(users, lifted, name="5号楼")
    RiskArea.objects.filter(pk=gone.pk).update(status=AreaStatus.LIFTED, lifted_at=timezone.now() - dt.timedelta(hours=1))
    declare(users, city.elsewhere, AreaClass.PRECAUTION, name="通顺小区")
    return {"extra": extra, "lifted": lifted, "free": free}


def test_a_round_plans_a_task_per_household_of_the_high_risk_areas_in_force(city, users, zoned):
    testing_round = make_round(users["command"])
    tasks = DoorSamplingTask.objects.filter(round=testing_round)
    assert sorted(tasks.values_list("household_id", flat=True)) == sorted(
        [city.home.household.pk, zoned["extra"].household.pk, city.neighbour.household.pk]
    )
    assert set(tasks.values_list("pooling_mode", flat=True)) == {PoolingMode.HOUSEHOLD}  # 20 measures: single or 1户1管
    assert tasks.get(household=zoned["extra"].household).residents == 3
    assert "pooling.sealed" in tasks.first().pooling_rule
    assert AuditEvent.objects.filter(event_type="testing.door_sampling_planned", count=3).exists()
    # planning again adds nothing; a building declared since adds its household only
    again = door_sampling_plan(actor=users["command"], testing_round=testing_round)
    assert (again.households, again.created) == (3, 0) and tasks.count() == 3
    declare(users, zoned["free"], name="9号楼")
    later = door_sampling_plan(actor=users["command"], testing_round=testing_round)
    assert (later.households, later.created) == (4, 1) and tasks.count() == 4
    assert AuditEvent.objects.filter(event_type="testing.door_sampling_planned").count() == 2


def test_pooling_follows_the_active_profile(city, users, zoned):
    use_profile("early-2020")  # 封控区: single tubes only
    testing_round = make_round(users["command"])
    assert set(DoorSamplingTask.objects.filter(round=testing_round).values_list("pooling_mode", flat=True)) == {PoolingMode.SINGLE}


def test_only_the_rounds_scope_and_only_planners(city, users, zoned):
    from fangkong.testing.services import AreaSpec

    grid_round = make_round(users["command"], number=9, areas=[AreaSpec("grid", city.home.grid.pk)])
    assert sorted(DoorSamplingTask.objects.filter(round=grid_round).values_list("household_id", flat=True)) == sorted(
        [city.home.household.pk, zoned["extra"].household.pk]
    )
    with pytest.raises(PermissionRefused):
        door_sampling_plan(actor=users["grid"], testing_round=grid_round)


def test_a_grid_worker_sees_and_samples_their_grids_households_only(city, users, zoned):
    testing_round = make_round(users["command"])
    make_point(city.home.community)
    grid_worker = users["grid"]
    mine = list(door_tasks(user=grid_worker, testing_round=testing_round, status="all"))
    assert sorted(t.household_id for t in mine) == sorted([city.home.household.pk, zoned["extra"].household.pk])
    assert door_counts(user=users["community"], testing_round=testing_round).households == 3
    outsider = make_user("far", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    assert door_counts(user=outsider, testing_round=testing_round).households == 0
    theirs = DoorSamplingTask.objects.get(round=testing_round, household=city.neighbour.household)
    with pytest.raises(PermissionRefused):
        door_sampling_collect(actor=grid_worker, task=theirs, barcodes={city.neighbour.household.members.get().pk: "D0001"})
    # 1户1管: one barcode for the household; the task is done once every resident is bound
    home = DoorSamplingTask.objects.get(round=testing_round, household=city.home.household)
    people = list(city.home.household.members.values_list("pk", flat=True))
    assert door_sampling_collect(actor=grid_worker, task=home, barcodes=dict.fromkeys(people, "D0002")) == 2
    tube = Tube.objects.get(round=testing_round, barcode="D0002")
    assert tube.pooling_mode == PoolingMode.HOUSEHOLD and tube.member_count == 2
    counts = door_counts(user=grid_worker, testing_round=testing_round)
    assert (counts.households, counts.done, counts.pending) == (2, 1, 3)
    with pytest.raises(DomainError) as again:  # sampled already: refused by name
        door_sampling_collect(actor=grid_worker, task=home, barcodes={people[0]: "D0003"})
    assert again.value.field == "members"
    # 单采单检 is stricter, always allowed; some barcodes shared but not all: refused
    extra = DoorSamplingTask.objects.get(round=testing_round, household=zoned["extra"].household)
    residents = list(zoned["extra"].household.members.order_by("pk").values_list("pk", flat=True))
    with pytest.raises(DomainError) as mixed:
        door_sampling_collect(actor=grid_worker, task=extra, barcodes=dict(zip(residents, ["S1", "S1", "S2"], strict=True)))
    assert mixed.value.rule == "testing.door_pooling"
    assert door_sampling_collect(actor=grid_worker, task=extra, barcodes=dict(zip(residents[:2], ["S1", "S2"], strict=True))) == 2
    assert set(Tube.objects.filter(barcode__in=["S1", "S2"]).values_list("pooling_mode", flat=True)) == {PoolingMode.SINGLE}
    assert door_counts(user=grid_worker, testing_round=testing_round).done == 1  # one resident still to sample
    # the last resident sampled at a sampling desk: the household is done all the same
    bulk_bind(
        actor=grid_worker,
        testing_round=testing_round,
        bindings=[Binding(barcode="S3", person_id=residents[2])],
        sampling_point=make_point(city.home.community, name="第二采样点"),
        pooling_mode=PoolingMode.SINGLE,
    )
    assert door_counts(user=grid_worker, testing_round=testing_round).done == 2
    assert TubeMember.objects.filter(round=testing_round).count() == 5


def test_single_tubes_only_where_the_profile_says_so(city, users, zoned):
    use_profile("early-2020")
    testing_round = make_round(users["command"])
    make_point(city.home.community)
    home = DoorSamplingTask.objects.get(round=testing_round, household=city.home.household)
    people = list(city.home.household.members.values_list("pk", flat=True))
    with pytest.raises(DomainError) as refused:
        door_sampling_collect(actor=users["grid"], task=home, barcodes=dict.fromkeys(people, "H1"))
    assert refused.value.field == "barcode" and refused.value.rule == "testing.door_pooling"
    assert not Tube.objects.filter(barcode="H1").exists()


def test_the_pages(city, users, zoned):
    testing_round = make_round(users["command"])
    make_point(city.home.community)
    grid = Client()
    grid.force_login(users["grid"])
    detail = grid.get(reverse("testing:round_detail", args=[testing_round.pk])).content.decode()
    assert 'data-door-counts="2 0 5"' in detail and reverse("testing:door_tasks", args=[testing_round.pk]) in detail
    assert reverse("testing:door_plan", args=[testing_round.pk]) not in detail  # no testing.plan
    page = grid.get(reverse("testing:door_tasks", args=[testing_round.pk])).content.decode()
    assert page.count("data-door-task=") == 2 and "钱一" in page and "赵敏" not in page
    home = DoorSamplingTask.objects.get(round=testing_round, household=city.home.household)
    done = grid.post(reverse("testing:door_collect", args=[testing_round.pk, home.pk]), {"barcode": "D0100"})
    assert done.status_code == 302
    assert TubeMember.objects.filter(tube__barcode="D0100").count() == 2
    theirs = DoorSamplingTask.objects.get(round=testing_round, household=city.neighbour.household)
    assert grid.post(reverse("testing:door_collect", args=[testing_round.pk, theirs.pk]), {"barcode": "D0101"}).status_code == 404
    assert grid.post(reverse("testing:door_plan", args=[testing_round.pk])).status_code == 403
    command = Client()
    command.force_login(users["command"])
    assert 'id="door-plan"' in command.get(reverse("testing:round_detail", args=[testing_round.pk])).content.decode()
    assert command.post(reverse("testing:door_plan", args=[testing_round.pk])).status_code == 302
    assert DoorSamplingTask.objects.filter(round=testing_round).count() == 3


def test_an_area_name_is_text_on_the_door_page(city, users, zoned):
    """XSS: the name a district office typed is shown escaped."""
    RiskArea.objects.filter(name="1号楼").update(name='<script>alert("x")</script>')
    testing_round = make_round(users["command"])
    grid = Client()
    grid.force_login(users["grid"])
    page = grid.get(reverse("testing:door_tasks", args=[testing_round.pk])).content.decode()
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
