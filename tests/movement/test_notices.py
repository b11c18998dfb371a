"""The destination notice: when a coach's passenger list is drawn up and when a point-to-point batch
leaves and is handed over, its receiving unit is told — in the platform (the receiving district's
office, when the unit is in this city) and through the unit's own signed webhook — with counts,
times and the vehicle, never a person; nobody else (the sending district's webhook, another unit's)
receives it, and a departure naming no unit tells nobody."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from fangkong.core.crypto import decrypt
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.movement.alerts import DESTINATION_NOTICE, RECEIVER_UNIT
from fangkong.movement.choices import BatchKind, NoticeKind, TravelMode
from fangkong.movement.models import BatchMember, DestinationNotice, ReceivingUnit
from fangkong.movement.services.batches import VehiclePlan, batch_board, batch_check, batch_create, batch_depart, batch_plan
from fangkong.movement.services.departures import departure_assign, departure_create, departure_file
from fangkong.movement.services.handover import batch_receive
from fangkong.notifications.choices import DeliveryStatus, UnitLevel
from fangkong.notifications.models import Notification, Webhook, WebhookDelivery
from fangkong.notifications.rules import rules
from fangkong.notifications.services.delivery import deliver_rule
from fangkong.notifications.text import title_and_text

from ..factories import make_person, make_user
from ..isolation.factories import use_profile
from ..notifications.test_webhooks import Receiver, verify
from .conftest import DRIVER_ID

pytestmark = pytest.mark.django_db

SECRET = "the-receiving-office-webhook-secret-0123456789"


@pytest.fixture
def unit(city):
    """回民区防控办: a receiving unit in this city (its district's office is told in the platform)."""
    return ReceivingUnit.objects.create(name="回民区防控办", region="呼和浩特市回民区", district=city.elsewhere.district)


@pytest.fixture
def hook_server():
    server = Receiver([])
    yield server
    server.close()


def run(now=None):
    return deliver_rule(rules.get(DESTINATION_NOTICE), now=now or timezone.now() + dt.timedelta(seconds=1))


def boarded_batch(city, users, lab, receiver):
    use_profile("twenty-measures")
    people = [make_person(city.home.household, n) for n in ("返乡甲", "返乡乙")]
    for p in people:
        lab.negative(p, timezone.now() - dt.timedelta(hours=3))
    office = users["district"]
    batch = batch_create(
        actor=office,
        district=city.home.district,
        kind=BatchKind.WORKERS,
        sending_unit="某建筑公司",
        receiving_unit="回民区防控办",
        destination="回民区",
        id_numbers=[decrypt(p.id_cipher)[:18] for p in people],
        requested_count=len(people),
        pickup_at=timezone.now(),
        pickup_place="工地大门",
        receiver=receiver,
    )
    batch_check(actor=office, batch=batch, temperatures={m.pk: "36.5" for m in BatchMember.objects.filter(batch=batch)})
    batch_plan(
        actor=office, batch=batch, vehicles=[VehiclePlan("蒙A·K0099", 45, "钱师傅", DRIVER_ID)], route="G6", departs_at=timezone.now()
    )
    batch_board(actor=office, batch=batch, id_numbers=[decrypt(p.id_cipher)[:18] for p in people])
    return batch, people


def test_a_batch_tells_its_receiving_office_and_webhook_when_it_leaves_and_is_handed_over(
    city, users, lab, unit, hook_server, django_capture_on_commit_callbacks
):
    receiving_office = make_user("huimin", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    Webhook.objects.create(
        name="回民区接收", level=UnitLevel.FACILITY, facility_kind="movement_receiver", place_id=unit.pk, url=hook_server.url, secret=SECRET
    )
    batch, people = boarded_batch(city, users, lab, unit)
    batch_depart(actor=users["district"], batch=batch)
    # the receiving district's office confirms the handover (the sending office cannot)
    batch_receive(actor=receiving_office, batch=batch, count=2, arrived=batch.members.values_list("pk", flat=True))
    assert list(DestinationNotice.objects.order_by("at", "pk").values_list("kind", "people")) == [
        (NoticeKind.BATCH_DEPARTED, 2),
        (NoticeKind.BATCH_HANDED_OVER, 2),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        stats = run()
    assert stats.events == 2 and stats.webhooks == 2
    told = Notification.objects.filter(rule=DESTINATION_NOTICE)
    assert set(told.values_list("recipient_id", flat=True)) == {receiving_office.pk}  # not the sending office
    first = told.order_by("occurred_at").first()
    _title, text = title_and_text(first.message, first.params)
    assert "已出发" in text and "2 人" in text and "蒙AK0099" in text
    assert len(hook_server.received) == 2
    for headers, body in hook_server.received:
        assert verify(headers, body, SECRET)
        decoded = body.decode()
        # Need-to-know: the receiving side learns how many and on what, not who.
        for person in people:
            assert person.name not in decoded and decrypt(person.id_cipher)[:18] not in decoded and person.id_masked not in decoded
        assert "钱师傅" not in decoded  # the driver is a person too
        assert json.loads(body)["places"][RECEIVER_UNIT] == unit.pk
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    run()  # a second run tells nobody twice
    assert told.count() == 1 * 2 and WebhookDelivery.objects.count() == 2


def test_no_other_units_webhook_receives_it(city, users, lab, unit, django_capture_on_commit_callbacks):
    """Attack: the sending district's webhook (all rules) and another receiving unit's webhook are
    configured; neither may learn of this batch."""
    other = ReceivingUnit.objects.create(name="赤峰市防控办", region="赤峰市")
    Webhook.objects.create(
        name="新城区", level=UnitLevel.DISTRICT, place_id=city.home.district.pk, url="http://127.0.0.1:9/x", secret=SECRET
    )
    Webhook.objects.create(
        name="赤峰",
        level=UnitLevel.FACILITY,
        facility_kind="movement_receiver",
        place_id=other.pk,
        url="http://127.0.0.1:9/y",
        secret=SECRET,
    )
    batch, _ = boarded_batch(city, users, lab, unit)
    batch_depart(actor=users["district"], batch=batch)
    with django_capture_on_commit_callbacks(execute=False):
        stats = run()
    assert stats.events == 1 and stats.webhooks == 0 and not WebhookDelivery.objects.exists()
    assert not Notification.objects.filter(rule=DESTINATION_NOTICE, recipient=users["district"]).exists()


def test_a_coach_list_tells_the_destination_each_time_it_changes(city, users, lab, unit):
    use_profile("twenty-measures")
    people = [make_person(city.home.household, n) for n in ("乘客甲", "乘客乙")]
    apps = []
    for p in people:
        lab.negative(p, timezone.now() - dt.timedelta(hours=2))
        apps.append(
            departure_file(
                actor=users["community"], person=p, mode=TravelMode.COACH, destination="回民区", travel_date=timezone.localdate()
            )
        )
    coach = departure_create(
        actor=users["district"],
        district=city.home.district,
        mode=TravelMode.COACH,
        label="蒙A·K0001",
        destination="回民区",
        departs_at=timezone.now() + dt.timedelta(hours=5),
        capacity=10,
        receiver=unit,
    )
    departure_assign(actor=users["district"], departure=coach, application_ids=[apps[0].pk])
    departure_assign(actor=users["district"], departure=coach, application_ids=[apps[1].pk])
    assert list(coach.notices.order_by("pk").values_list("people", flat=True)) == [1, 2]
    assert run().events == 2


def test_a_departure_naming_no_unit_tells_nobody_and_a_retired_unit_is_refused(city, users, unit):
    coach = departure_create(
        actor=users["district"],
        district=city.home.district,
        mode=TravelMode.COACH,
        label="蒙A·K0002",
        destination="赤峰市",
        departs_at=timezone.now(),
        capacity=5,
    )
    assert coach.receiver is None
    ReceivingUnit.objects.filter(pk=unit.pk).update(is_active=False)
    with pytest.raises(DomainError) as err:
        departure_create(
            actor=users["district"],
            district=city.home.district,
            mode=TravelMode.COACH,
            label="蒙A·K0003",
            destination="回民区",
            departs_at=timezone.now(),
            capacity=5,
            receiver=unit,
        )
    assert err.value.field == "receiver"
