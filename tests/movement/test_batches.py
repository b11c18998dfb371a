"""Point-to-point batches, the closed loop: the sending unit's list → pre-travel test and temperature
(failing either takes the person off, the reason kept) → plan → boarding against the list → handover
with the count and the names. Nobody boards who was not checked or not on the list; the batch leaves
only when everyone still on it has boarded (the rest go to the next batch); the handover reconciles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.crypto import decrypt
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.core.rows import RowsRefused
from fangkong.movement.choices import BatchKind, BatchStatus, MemberStatus
from fangkong.movement.models import BatchMember, BatchVehicle, ReceivingUnit, TransferBatch
from fangkong.movement.services.batches import (
    VehiclePlan,
    batch_board,
    batch_check,
    batch_create,
    batch_depart,
    batch_plan,
    batch_split_waiting,
)
from fangkong.movement.services.handover import batch_receive

from ..factories import make_person, make_user, next_id_number
from ..isolation.factories import use_profile
from .conftest import DRIVER_ID

pytestmark = pytest.mark.django_db


def number(person) -> str:
    return decrypt(person.id_cipher)[:18]


@pytest.fixture
def students(city, lab):
    use_profile("twenty-measures")
    people = [make_person(city.home.household, n) for n in ("学生甲", "学生乙", "学生丙", "学生丁")]
    for p in people[:3]:
        lab.negative(p, timezone.now() - dt.timedelta(hours=12))
    return people


@pytest.fixture
def receiver(city):
    """巴彦淖尔市临河区 is outside the city; the demo city's other district stands in as an in-city unit."""
    return ReceivingUnit.objects.create(name="回民区防控办", region="呼和浩特市回民区", district=city.elsewhere.district)


@pytest.fixture
def batch(city, users, students, receiver):
    return batch_create(
        receiver=receiver,
        actor=users["district"],
        district=city.home.district,
        kind=BatchKind.STUDENTS,
        sending_unit="内蒙古工业大学",
        receiving_unit="巴彦淖尔市临河区防控办",
        destination="巴彦淖尔市",
        id_numbers=[number(p) for p in students],
        requested_count=len(students),
        pickup_at=timezone.now() + dt.timedelta(hours=2),
        pickup_place="学校南门",
    )


def receiving_office_of(city):
    return make_user("linhe", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])


def member(batch, person) -> BatchMember:
    return BatchMember.objects.get(batch=batch, person=person)


def test_the_closed_loop(city, users, students, batch):
    office = users["district"]
    temps = {member(batch, students[0]).pk: "36.5", member(batch, students[1]).pk: 37.6, member(batch, students[2]).pk: 36.8}
    counts = batch_check(actor=office, batch=batch, temperatures=temps)
    assert counts == {"ready": 2, "removed": 1}
    feverish = member(batch, students[1])
    assert feverish.status == MemberStatus.REMOVED and "37.6" in feverish.removed_reason  # the reason is kept
    # 丁 has no negative within 48 h: taken off too, named
    batch_check(actor=office, batch=batch, temperatures={member(batch, students[3]).pk: 36.4})
    assert "48" in member(batch, students[3]).removed_reason
    batch_plan(
        actor=office,
        batch=batch,
        vehicles=[VehiclePlan("蒙A·K0088", 45, "赵师傅", DRIVER_ID)],
        route="G6 → 临河",
        departs_at=timezone.now(),
    )
    # boarding against the list: someone not on it, someone removed — refused, nothing written
    outsider = make_person(city.home.household, "名单外")
    with pytest.raises(RowsRefused) as err:
        batch_board(actor=office, batch=batch, id_numbers=[number(students[0]), number(outsider), number(students[1])])
    assert [e.row for e in err.value.errors] == [2, 3] and "不在本批名单" in err.value.message
    assert member(batch, students[0]).status == MemberStatus.READY
    batch_board(actor=office, batch=batch, id_numbers=[number(students[0]), number(students[2])])
    batch = batch_depart(actor=office, batch=batch)
    assert batch.status == BatchStatus.IN_TRANSIT and batch.awaiting_handover
    # the receiving unit confirms: a wrong count, then a name not ticked — refused, the field named
    receiving = receiving_office_of(city)
    a, c = member(batch, students[0]), member(batch, students[2])
    with pytest.raises(DomainError) as err:
        batch_receive(actor=receiving, batch=batch, count=3, arrived=[a.pk, c.pk])
    assert err.value.field == "count"
    with pytest.raises(DomainError) as err:
        batch_receive(actor=receiving, batch=batch, count=2, arrived=[a.pk])
    assert err.value.field == "names" and "学*" in err.value.message and "学生丙" not in err.value.message  # masked
    assert member(batch, students[2]).unaccounted_at is not None  # recorded as unaccounted
    assert TransferBatch.objects.get(pk=batch.pk).awaiting_handover  # still 交接待确认
    batch = batch_receive(actor=receiving, batch=batch, count=2, arrived=[c.pk, a.pk])
    assert batch.status == BatchStatus.HANDED_OVER and batch.handover_count == 2 and batch.handover_confirmed_by_user == receiving
    assert sorted(batch.members.values_list("status", flat=True)) == ["arrived", "arrived", "removed", "removed"]
    assert not batch.members.filter(unaccounted_at__isnull=False).exists()


def test_a_batch_leaves_when_ready_the_rest_wait_for_the_next(city, users, students, batch):
    office = users["district"]
    batch_check(actor=office, batch=batch, temperatures={member(batch, students[0]).pk: 36.5})
    batch_plan(
        actor=office, batch=batch, vehicles=[VehiclePlan("蒙A·K0088", 45, "赵师傅", DRIVER_ID)], route="G6", departs_at=timezone.now()
    )
    batch_board(actor=office, batch=batch, id_numbers=[number(students[0])])
    with pytest.raises(DomainError) as err:
        batch_depart(actor=office, batch=batch)
    assert "3 人" in err.value.message and "成熟一批" in err.value.message
    following = batch_split_waiting(actor=office, batch=batch)
    assert following.previous_id == batch.pk and following.members.count() == 3
    assert batch_depart(actor=office, batch=batch).status == BatchStatus.IN_TRANSIT
    assert TransferBatch.objects.get(pk=following.pk).status == BatchStatus.PLANNING


def test_a_list_with_unknown_or_repeated_people_is_refused_whole(city, users, students):
    outsider = make_person(city.elsewhere.household, "外区人员")
    with pytest.raises(RowsRefused) as err:
        batch_create(
            actor=users["district"],
            district=city.home.district,
            kind=BatchKind.WORKERS,
            sending_unit="某建筑公司",
            receiving_unit="赤峰市人社局",
            destination="赤峰市",
            id_numbers=[number(students[0]), number(outsider), number(students[0]), "123"],
            requested_count=4,
            pickup_at=timezone.now(),
            pickup_place="工地大门",
        )
    assert [e.row for e in err.value.errors] == [2, 3, 4]
    assert not TransferBatch.objects.exists()


def test_a_temperature_out_of_range_is_refused_naming_the_person(users, students, batch):
    with pytest.raises(RowsRefused) as err:
        batch_check(actor=users["district"], batch=batch, temperatures={member(batch, students[0]).pk: 63.5})
    assert "学生甲" in err.value.message and member(batch, students[0]).status == MemberStatus.LISTED


def test_roles_and_places(city, users, students, batch):
    with pytest.raises(PermissionRefused):
        batch_check(actor=users["community"], batch=batch, temperatures={})
    with pytest.raises(DomainError):
        batch_create(
            actor=users["district"],
            district=city.elsewhere.district,
            kind=BatchKind.RELEASED,
            sending_unit="某监狱",
            receiving_unit="乌兰察布市司法局",
            destination="乌兰察布市",
            id_numbers=[number(students[0])],
            requested_count=1,
            pickup_at=timezone.now(),
            pickup_place="监狱大门",
        )


def test_the_batch_pages(city, users, students, batch):
    from django.test import Client
    from django.urls import reverse

    c = Client()
    c.force_login(users["district"])
    first = member(batch, students[0])
    c.post(reverse("movement:batch_step", args=[batch.pk, "check"]), {f"t-{first.pk}": "36.6"})
    assert member(batch, students[0]).status == MemberStatus.READY
    refused = c.post(reverse("movement:batch_step", args=[batch.pk, "depart"]), follow=True).content.decode()
    assert "运输计划" in refused  # no plan yet: refused, named
    refused = c.post(reverse("movement:batch_step", args=[batch.pk, "board"]), {"id_numbers": number(students[0])}, follow=True)
    assert "运输计划" in refused.content.decode() and member(batch, students[0]).status == MemberStatus.READY  # nor boarding
    plan = {"v0-plate": "蒙A·K0088", "v0-seats": "45", "v0-driver_name": "赵师傅", "v0-driver_id": DRIVER_ID}
    plan |= {"route": "G6 → 临河", "departs_at": "2026-12-08T07:00"}
    c.post(reverse("movement:batch_step", args=[batch.pk, "plan"]), plan)
    c.post(reverse("movement:batch_step", args=[batch.pk, "board"]), {"id_numbers": number(students[0])})
    page = c.get(reverse("movement:batch_detail", args=[batch.pk])).content.decode()
    assert "学生甲" in page and number(students[0]) not in page and "已登车" in page
    assert "蒙AK0088" in page and "1/45" in page and DRIVER_ID not in page and "150102********901X" in page  # the driver's ID masked
    assert c.post(reverse("movement:batch_step", args=[batch.pk, "nonsense"])).status_code == 404
    home = c.get(reverse("movement:home")).content.decode()
    assert "点对点转运批次" in home


def test_the_demand_list_names_count_time_and_place(city, users, students, receiver):
    """需求清单: the count must equal the names given, and the time and the pick-up place are required —
    each refusal names its field, nothing is written."""
    demand = {
        "actor": users["district"],
        "district": city.home.district,
        "kind": BatchKind.STUDENTS,
        "sending_unit": "内蒙古工业大学",
        "receiving_unit": receiver.name,
        "destination": "回民区",
        "id_numbers": [number(p) for p in students[:3]],
        "requested_count": 3,
        "pickup_at": timezone.now() + dt.timedelta(hours=3),
        "pickup_place": "学校南门",
        "receiver": receiver,
    }
    for change, field in (
        ({"requested_count": 4}, "requested_count"),
        ({"requested_count": 2}, "requested_count"),
        ({"requested_count": None}, "requested_count"),
        ({"pickup_at": None}, "pickup_at"),
        ({"pickup_place": "  "}, "pickup_place"),
    ):
        with pytest.raises(DomainError) as err:
            batch_create(**{**demand, **change})
        assert err.value.field == field, change
    assert not TransferBatch.objects.exists()
    batch = batch_create(**demand)
    assert (batch.requested_count, batch.pickup_place) == (3, "学校南门") and batch.members.count() == 3


def test_the_demand_list_page(city, users, students, receiver):
    from django.test import Client
    from django.urls import reverse

    c = Client()
    c.force_login(users["district"])
    form = {
        "district": city.home.district.pk,
        "kind": BatchKind.STUDENTS,
        "sending_unit": "内蒙古工业大学",
        "receiving_unit": receiver.name,
        "destination": "回民区",
        "receiver": receiver.pk,
        "id_numbers": "\n".join(number(p) for p in students[:2]),
        "requested_count": "3",
        "pickup_at": "2026-12-08T09:30",
        "pickup_place": "学校南门",
    }
    refused = c.post(reverse("movement:batch_list"), form, follow=True).content.decode()
    assert "需求人数 3 与名单人数 2 不符" in refused and not TransferBatch.objects.exists()
    r = c.post(reverse("movement:batch_list"), {**form, "requested_count": "2"})
    batch = TransferBatch.objects.get()
    assert r.status_code == 302 and batch.pickup_place == "学校南门" and batch.requested_count == 2
    assert timezone.localtime(batch.pickup_at).strftime("%m-%d %H:%M") == "12-08 09:30"
    assert "学校南门" in c.get(reverse("movement:batch_detail", args=[batch.pk])).content.decode()


def test_the_transport_plan_several_vehicles_and_their_seats(city, users, students, batch):
    """运输计划: several vehicles, each with its seats and its driver (ID encrypted, masked); each bad
    row refused naming its row and field, nothing written; boarding puts each person on a vehicle of
    the plan without exceeding its seats; the plan cannot change once someone has boarded."""
    office = users["district"]
    other_driver = next_id_number(birth=dt.date(1979, 3, 2))
    good = [VehiclePlan("蒙A·K0088", 2, "赵师傅", DRIVER_ID), VehiclePlan("蒙A·K0089", 2, "钱师傅", other_driver)]
    when = timezone.now() + dt.timedelta(hours=3)
    for rows, (row, field) in (
        ([VehiclePlan("京X", 2, "赵师傅", DRIVER_ID)], (1, "plate")),
        ([good[0], VehiclePlan("蒙A·K0088", 2, "钱师傅", other_driver)], (2, "plate")),
        ([good[0], VehiclePlan("蒙A·K0089", 0, "钱师傅", other_driver)], (2, "seats")),
        ([good[0], VehiclePlan("蒙A·K0089", "100", "钱师傅", other_driver)], (2, "seats")),
        ([VehiclePlan("蒙A·K0088", 2, " ", DRIVER_ID)], (1, "driver_name")),
        ([VehiclePlan("蒙A·K0088", 2, "赵师傅", "150102198005179011")], (1, "driver_id")),
        ([good[0], VehiclePlan("蒙A·K0089", 2, "钱师傅", DRIVER_ID)], (2, "driver_id")),
        ([], (0, "vehicles")),
    ):
        with pytest.raises(RowsRefused) as err:
            batch_plan(actor=office, batch=batch, vehicles=rows, route="G6", departs_at=when)
        assert (err.value.errors[0].row, err.value.errors[0].field) == (row, field), rows
    with pytest.raises(DomainError) as err:
        batch_plan(actor=office, batch=batch, vehicles=good, route=" ", departs_at=when)
    assert err.value.field == "route"
    with pytest.raises(DomainError) as err:
        batch_plan(actor=office, batch=batch, vehicles=good, route="G6", departs_at=None)
    assert err.value.field == "departs_at"
    assert not BatchVehicle.objects.exists()
    batch_plan(actor=office, batch=batch, vehicles=good, route="G6 → 临河", departs_at=when)
    first, second = BatchVehicle.objects.filter(batch=batch).order_by("id")
    assert decrypt(first.driver_id_cipher) == DRIVER_ID and first.driver_id_masked == "150102********901X"
    assert DRIVER_ID not in first.driver_id_hash
    batch_check(actor=office, batch=batch, temperatures={member(batch, p).pk: 36.5 for p in students[:3]})
    with pytest.raises(DomainError) as err:  # two vehicles: which one must be said
        batch_board(actor=office, batch=batch, id_numbers=[number(students[0])])
    assert err.value.field == "vehicle"
    with pytest.raises(DomainError) as err:  # 3 people, 2 seats
        batch_board(actor=office, batch=batch, id_numbers=[number(p) for p in students[:3]], vehicle=first.pk)
    assert err.value.field == "vehicle" and "核载 2 人" in err.value.message
    assert not batch.members.filter(status=MemberStatus.BOARDED).exists()  # nothing half-applied
    batch_board(actor=office, batch=batch, id_numbers=[number(p) for p in students[:2]], vehicle=first.pk)
    with pytest.raises(DomainError) as err:  # the first is full
        batch_board(actor=office, batch=batch, id_numbers=[number(students[2])], vehicle=first.pk)
    assert "已登车 2 人" in err.value.message
    batch_board(actor=office, batch=batch, id_numbers=[number(students[2])], vehicle=second.pk)
    assert member(batch, students[2]).vehicle == second and member(batch, students[0]).vehicle == first
    with pytest.raises(DomainError) as err:
        batch_plan(actor=office, batch=batch, vehicles=good[:1], route="G6", departs_at=when)
    assert err.value.field == "vehicles" and BatchVehicle.objects.filter(batch=batch).count() == 2
