"""The handover confirmed by the receiving unit (闭环): in this city by a user of the receiving district
on its receiving page, elsewhere through a signed one-time link. The sending office, another district
and the command covering the sending side cannot confirm; the count must equal the boarded count and
every name be ticked (shown masked), or the confirmation is refused naming the field and those not
ticked are recorded as unaccounted; the link carries no name or ID number, expires, and is spent by
its one confirmation. Each confirmation, accepted or refused, is audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.accounts.models import Grant
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.geo.models import District
from fangkong.movement.alerts import DESTINATION_NOTICE
from fangkong.movement.choices import BatchKind, BatchStatus, MemberStatus
from fangkong.movement.events import MovementEvent
from fangkong.movement.models import BatchMember, HandoverLink, ReceivingUnit, TransferBatch
from fangkong.movement.services.batches import VehiclePlan, batch_board, batch_check, batch_create, batch_depart, batch_plan
from fangkong.movement.services.handover import (
    LINK_SALT,
    batch_receive,
    batch_receive_by_link,
    batch_set_receiver,
    link_resend,
    link_token,
)
from fangkong.notifications.choices import UnitLevel
from fangkong.notifications.models import Notification, Webhook, WebhookDelivery
from fangkong.notifications.rules import rules
from fangkong.notifications.services.delivery import deliver_rule

from ..factories import make_person, make_user
from ..isolation.factories import use_profile
from ..notifications.test_webhooks import Receiver
from .conftest import DRIVER_ID

pytestmark = pytest.mark.django_db

NAMES = ("返乡甲", "返乡乙", "返乡丙")


def number(person) -> str:
    return decrypt(person.id_cipher)[:18]


def departed(city, users, lab, receiver, names=NAMES) -> tuple[TransferBatch, list]:
    use_profile("twenty-measures")
    people = [make_person(city.home.household, n) for n in names]
    for p in people:
        lab.negative(p, timezone.now() - dt.timedelta(hours=3))
    office = users["district"]
    batch = batch_create(
        actor=office,
        district=city.home.district,
        kind=BatchKind.WORKERS,
        sending_unit="某建筑公司",
        receiving_unit=receiver.name,
        destination=receiver.region or receiver.name,
        id_numbers=[number(p) for p in people],
        requested_count=len(people),
        pickup_at=timezone.now(),
        pickup_place="工地大门",
        receiver=receiver,
    )
    batch_check(actor=office, batch=batch, temperatures={m.pk: "36.5" for m in BatchMember.objects.filter(batch=batch)})
    batch_plan(
        actor=office, batch=batch, vehicles=[VehiclePlan("蒙A·K0099", 45, "钱师傅", DRIVER_ID)], route="G6", departs_at=timezone.now()
    )
    batch_board(actor=office, batch=batch, id_numbers=[number(p) for p in people])
    return batch_depart(actor=office, batch=batch), people


@pytest.fixture
def in_city(city):
    return ReceivingUnit.objects.create(name="回民区防控办", region="呼和浩特市回民区", district=city.elsewhere.district)


@pytest.fixture
def out_of_city():
    return ReceivingUnit.objects.create(name="巴彦淖尔市临河区防控办", region="巴彦淖尔市临河区")


@pytest.fixture
def receiving_office(city):
    return make_user("huimin", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])


def ids(batch) -> list[int]:
    return list(batch.members.filter(status=MemberStatus.BOARDED).values_list("pk", flat=True))


# ---- in this city ----


def test_only_the_receiving_districts_users_confirm(city, users, lab, in_city, receiving_office):
    """Attack: the sending office, a third district's office and the city-wide command each try to
    confirm, by the service and by the page: refused (the page answers 404), nothing written."""
    batch, _ = departed(city, users, lab, in_city)
    third = District.objects.exclude(pk__in=[city.home.district.pk, city.elsewhere.district.pk]).order_by("code").first()
    intruders = {
        "sending": users["district"],
        "third": make_user("third", Role.DISTRICT_OFFICE, [("district", third)]),
        "command": users["command"],
        "both": make_user("both", Role.DISTRICT_OFFICE, [("district", city.home.district), ("district", city.elsewhere.district)]),
    }
    url = reverse("movement:batch_receive", args=[batch.pk])
    for who, user in intruders.items():
        with pytest.raises(PermissionRefused):
            batch_receive(actor=user, batch=batch, count=3, arrived=ids(batch))
        c = Client()
        c.force_login(user)
        assert c.get(url).status_code == 404, who
        assert c.post(url, {"count": "3", "arrived": [str(i) for i in ids(batch)]}).status_code == 404, who
    assert TransferBatch.objects.get(pk=batch.pk).status == BatchStatus.IN_TRANSIT
    assert not AuditEvent.objects.filter(event_type=MovementEvent.BATCH_HANDED_OVER).exists()
    # the old way — the sending office typing the confirmer's name on its own page — is gone
    c = Client()
    c.force_login(users["district"])
    c.post(reverse("movement:batch_step", args=[batch.pk, "handover"]), {"count": "3", "names": "\n".join(NAMES), "confirmed_by": "x"})
    assert TransferBatch.objects.get(pk=batch.pk).status == BatchStatus.IN_TRANSIT
    # the receiving office confirms
    batch = batch_receive(actor=receiving_office, batch=batch, count=3, arrived=ids(batch))
    assert batch.status == BatchStatus.HANDED_OVER and batch.handover_confirmed_by_user == receiving_office
    assert AuditEvent.objects.filter(event_type=MovementEvent.BATCH_HANDED_OVER, actor=receiving_office).count() == 1


def test_the_receiving_page_shows_masked_names_and_refuses_naming_the_field(city, users, lab, in_city, receiving_office):
    batch, people = departed(city, users, lab, in_city)
    c = Client()
    c.force_login(receiving_office)
    listing = c.get(reverse("movement:batch_list")).content.decode()
    assert reverse("movement:batch_receive", args=[batch.pk]) in listing and "待本单位确认交接" in listing
    url = reverse("movement:batch_receive", args=[batch.pk])
    page = c.get(url).content.decode()
    assert "返**" in page and "交接待确认" in page
    for p in people:
        assert p.name not in page and number(p) not in page and p.id_masked not in page
    members = ids(batch)
    # a count that is not the boarded count
    r = c.post(url, {"count": "2", "arrived": [str(i) for i in members[:2]]})
    assert r.status_code == 422 and 'data-field="count"' in r.content.decode()
    # the count right, one name not ticked: refused naming the names, that person unaccounted
    r = c.post(url, {"count": "3", "arrived": [str(i) for i in members[:2]]})
    assert r.status_code == 422 and 'data-field="names"' in r.content.decode()
    assert list(BatchMember.objects.filter(unaccounted_at__isnull=False).values_list("pk", flat=True)) == [members[2]]
    refused = AuditEvent.objects.filter(event_type=MovementEvent.BATCH_HANDOVER_REFUSED, actor=receiving_office)
    assert refused.count() == 2 and refused.order_by("pk").last().after["unaccounted"] == 1
    # the sending side sees the batch still awaiting, with one unaccounted
    s = Client()
    s.force_login(users["district"])
    detail = s.get(reverse("movement:batch_detail", args=[batch.pk])).content.decode()
    assert "交接待确认" in detail and "记为未到 1 人" in detail
    # a tampered form naming someone not on the bus
    r = c.post(url, {"count": "3", "arrived": [str(i) for i in members] + ["999999"]})
    assert r.status_code == 422 and 'data-field="names"' in r.content.decode()
    r = c.post(url, {"count": "3", "arrived": [str(i) for i in members]})
    assert r.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.HANDED_OVER and batch.handover_count == 3
    assert not BatchMember.objects.filter(unaccounted_at__isnull=False).exists()
    assert set(batch.members.values_list("status", flat=True)) == {MemberStatus.ARRIVED}
    # confirmed once: a second confirmation is refused
    with pytest.raises(DomainError) as err:
        batch_receive(actor=receiving_office, batch=batch, count=3, arrived=members)
    assert err.value.field == "status"


def test_a_batch_cannot_leave_without_a_receiving_unit(city, users, lab, in_city):
    use_profile("twenty-measures")
    p = make_person(city.home.household, "返乡丁")
    lab.negative(p, timezone.now() - dt.timedelta(hours=3))
    office = users["district"]
    batch = batch_create(
        actor=office,
        district=city.home.district,
        kind=BatchKind.WORKERS,
        sending_unit="某建筑公司",
        receiving_unit="某地",
        destination="某地",
        id_numbers=[number(p)],
        requested_count=1,
        pickup_at=timezone.now(),
        pickup_place="工地大门",
    )
    batch_check(actor=office, batch=batch, temperatures={batch.members.get().pk: "36.5"})
    batch_plan(
        actor=office, batch=batch, vehicles=[VehiclePlan("蒙A·K0099", 45, "钱师傅", DRIVER_ID)], route="G6", departs_at=timezone.now()
    )
    batch_board(actor=office, batch=batch, id_numbers=[number(p)])
    with pytest.raises(DomainError) as err:
        batch_depart(actor=office, batch=batch)
    assert err.value.field == "receiver"
    assert TransferBatch.objects.get(pk=batch.pk).status == BatchStatus.PLANNING


# ---- outside the city: the one-time link ----


def link_of(batch) -> HandoverLink:
    return HandoverLink.objects.get(batch=batch)


def test_an_in_city_unit_gets_no_link(city, users, lab, in_city):
    batch, _ = departed(city, users, lab, in_city)
    assert not HandoverLink.objects.filter(batch=batch).exists()


def test_the_link_carries_no_person_and_confirms_once(city, users, lab, out_of_city):
    batch, people = departed(city, users, lab, out_of_city)
    token = link_token(link_of(batch))
    url = reverse("movement:handover_link", args=[token])
    for p in people:
        assert p.name not in url and number(p) not in url and number(p)[-4:] not in url
    assert signing.loads(token, salt=LINK_SALT) == [link_of(batch).pk, link_of(batch).nonce]  # ids and a nonce, nothing else
    c = Client()
    opened = c.get(url)
    assert opened.status_code == 302 and opened["Location"] == reverse("movement:handover_confirm")  # the token leaves the URL
    page = c.get(opened["Location"]).content.decode()
    assert "返**" in page
    for p in people:
        assert p.name not in page and number(p) not in page
    members = ids(batch)
    form = {"count": "3", "arrived": [str(i) for i in members], "confirmed_by": "临河区 王科长"}
    r = c.post(reverse("movement:handover_confirm"), {**form, "confirmed_by": ""})
    assert r.status_code == 422 and 'data-field="confirmed_by"' in r.content.decode()
    r = c.post(reverse("movement:handover_confirm"), {**form, "count": "4"})
    assert r.status_code == 422 and 'data-field="count"' in r.content.decode()
    r = c.post(reverse("movement:handover_confirm"), {**form, "arrived": [str(i) for i in members[1:]]})
    assert r.status_code == 422 and 'data-field="names"' in r.content.decode()
    assert BatchMember.objects.get(pk=members[0]).unaccounted_at is not None
    assert link_of(batch).used_at is None  # a refused confirmation does not spend the link
    r = c.post(reverse("movement:handover_confirm"), form)
    assert r.status_code == 200 and "交接已确认" in r.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.HANDED_OVER and batch.handover_confirmed_by == "临河区 王科长"
    assert batch.handover_link_id == link_of(batch).pk and link_of(batch).used_at is not None
    event = AuditEvent.objects.get(event_type=MovementEvent.BATCH_HANDED_OVER)
    assert event.actor is None and out_of_city.name in event.actor_name and event.after["confirmed_by"] == "临河区 王科长"
    # single use: the link again, by page and by service
    again = Client().get(url)
    assert again.status_code == 410 and "已使用" in again.content.decode()
    with pytest.raises(DomainError) as err:
        batch_receive_by_link(token=token, count=3, arrived=members, confirmed_by="x")
    assert err.value.field == "link"
    assert c.post(reverse("movement:handover_confirm"), form).status_code == 404  # the session no longer holds it


def test_an_expired_a_forged_and_an_altered_link_are_refused(city, users, lab, out_of_city):
    batch, _ = departed(city, users, lab, out_of_city)
    link = link_of(batch)
    token = link_token(link)
    members = ids(batch)
    forged = signing.dumps([link.pk, link.nonce], salt=LINK_SALT, key="not-the-site-secret-0123456789")
    guessed = signing.dumps([link.pk, "0" * 32], salt=LINK_SALT)  # genuine signature, wrong nonce
    for bad in (forged, guessed, token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        with pytest.raises(DomainError) as err:
            batch_receive_by_link(token=bad, count=3, arrived=members, confirmed_by="x")
        assert err.value.field == "link" and "无效" in err.value.message
        assert Client().get(reverse("movement:handover_link", args=[bad])).status_code == 410
    HandoverLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(DomainError) as err:
        batch_receive_by_link(token=token, count=3, arrived=members, confirmed_by="x")
    assert "过期" in err.value.message
    assert "过期" in Client().get(reverse("movement:handover_link", args=[token])).content.decode()
    assert TransferBatch.objects.get(pk=batch.pk).status == BatchStatus.IN_TRANSIT


def unit_webhook(out_of_city, *, url: str = "http://127.0.0.1:9/x", secret: str = "s" * 40) -> Webhook:
    """The receiving unit's own webhook (a unit outside the city)."""
    return Webhook.objects.create(
        name="临河", level=UnitLevel.FACILITY, facility_kind="movement_receiver", place_id=out_of_city.pk, url=url, secret=secret
    )


def stored_anywhere(needle: str, *tables: str) -> bool:
    """Whether any text of any row of `tables` holds `needle`, as a database reader sees the rows."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 — fixed names
            if any(needle in str(value) for row in cursor.fetchall() for value in row):
                return True
    return False


def test_a_pending_delivery_keeps_the_link_sealed_not_in_clear(city, users, lab, out_of_city):
    """Before it is sent (or while it is retried) the delivery must keep the link to send it: sealed
    (core.crypto), never in a column a database reader or a backup can use."""
    unit_webhook(out_of_city)
    batch, _ = departed(city, users, lab, out_of_city)
    deliver_rule(rules.get(DESTINATION_NOTICE), now=timezone.now() + dt.timedelta(seconds=1))
    signed = link_token(link_of(batch))
    assert WebhookDelivery.objects.filter(rule=DESTINATION_NOTICE).exclude(path_cipher="").exists()
    assert not stored_anywhere(signed, "notifications_webhookdelivery")
    assert not stored_anywhere(signed.split(":")[0], "notifications_webhookdelivery")  # nor its signed body


def test_the_link_goes_to_the_receiving_units_webhook_only(city, users, lab, out_of_city, django_capture_on_commit_callbacks):
    """The departure notice carries the link to the unit's own webhook; the sending district's webhook
    and its office never see it (they could otherwise confirm their own handover)."""
    server = Receiver([])
    try:
        secret = "the-receiving-office-webhook-secret-0123456789"
        unit_webhook(out_of_city, url=server.url, secret=secret)
        Webhook.objects.create(
            name="新城区", level=UnitLevel.DISTRICT, place_id=city.home.district.pk, url="http://127.0.0.1:9/x", secret=secret
        )
        batch, _ = departed(city, users, lab, out_of_city)
        with django_capture_on_commit_callbacks(execute=True):
            deliver_rule(rules.get(DESTINATION_NOTICE), now=timezone.now() + dt.timedelta(seconds=1))
        assert len(server.received) == 1
        path = json.loads(server.received[0][1])["path"]
        assert path.startswith("/") and "/movement/handover/" in path
        # sent: nothing left in the database that confirms a handover (a backup, a reader of the table)
        token = path.rstrip("/").rsplit("/", 1)[-1]
        assert not stored_anywhere(token, "notifications_webhookdelivery", "notifications_webhookattempt", "notifications_notification")
        c = Client()
        assert c.get(path).status_code == 302  # it opens the confirmation
        assert not Notification.objects.filter(recipient=users["district"]).exists()
        # the sending office's batch page does not show it
        s = Client()
        s.force_login(users["district"])
        assert "/movement/handover/" not in s.get(reverse("movement:batch_detail", args=[batch.pk])).content.decode()
    finally:
        server.close()


def test_the_sending_office_resends_a_link_without_seeing_it(city, users, lab, out_of_city, in_city, django_capture_on_commit_callbacks):
    """A lost or expired link: the sending office asks for a new one; the old stops working and a new
    departure notice carries the new one to the unit's webhook — the office's answer and page never
    show it. Another district cannot ask, and an in-city unit needs no link."""
    server = Receiver([])
    try:
        secret = "the-receiving-office-webhook-secret-0123456789"
        unit_webhook(out_of_city, url=server.url, secret=secret)
        batch, _ = departed(city, users, lab, out_of_city)
        old = link_token(link_of(batch))
        c = Client()
        c.force_login(users["district"])
        r = c.post(reverse("movement:batch_step", args=[batch.pk, "resend"]), follow=True)
        body = r.content.decode()
        assert "新的交接确认链接已发送" in body and "/movement/handover/" not in body
        newest = HandoverLink.objects.filter(batch=batch).order_by("-pk").first()
        assert HandoverLink.objects.filter(batch=batch).count() == 2 and link_token(newest) not in body
        with pytest.raises(DomainError):
            batch_receive_by_link(token=old, count=3, arrived=ids(batch), confirmed_by="x")  # the old one is void
        with django_capture_on_commit_callbacks(execute=True):
            deliver_rule(rules.get(DESTINATION_NOTICE), now=timezone.now() + dt.timedelta(seconds=1))
        sent = [json.loads(b)["path"].split("/")[-2] for _h, b in server.received]
        assert [newest.pk, newest.nonce] in [signing.loads(t, salt=LINK_SALT) for t in sent]  # the new link reached the unit
        outsider = make_user("far", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
        with pytest.raises(PermissionRefused):
            link_resend(actor=outsider, batch=batch)
        batch_receive_by_link(token=link_token(newest), count=3, arrived=ids(batch), confirmed_by="临河区 王科长")
    finally:
        server.close()
    local, _ = departed(city, users, lab, in_city, names=("本市甲",))
    with pytest.raises(DomainError) as err:
        link_resend(actor=users["district"], batch=local)
    assert err.value.field == "receiver"


def test_a_link_voided_by_a_resend_between_the_read_and_the_lock_is_refused(city, users, lab, out_of_city, monkeypatch):
    """The race: the unit's confirmation reads its link (valid), the sending office's resend voids it
    and commits, then the confirmation locks the rows — it checks the locked link again and is refused,
    the batch still in transit and the new link still good."""
    from fangkong.movement.services import handover

    batch, _ = departed(city, users, lab, out_of_city)
    token = link_token(link_of(batch))
    read = handover.link_from_token

    def read_then_resend(token, *, at=None):
        found = read(token, at=at)
        link_resend(actor=users["district"], batch=batch)  # commits in between (here: the same transaction)
        return found

    monkeypatch.setattr(handover, "link_from_token", read_then_resend)
    with pytest.raises(DomainError) as err:
        batch_receive_by_link(token=token, count=3, arrived=ids(batch), confirmed_by="临河区 王科长")
    assert err.value.field == "link"
    monkeypatch.undo()
    assert TransferBatch.objects.get(pk=batch.pk).status == BatchStatus.IN_TRANSIT
    newest = HandoverLink.objects.filter(batch=batch).order_by("-pk").first()
    assert newest.used_at is None
    assert batch_receive_by_link(token=link_token(newest), count=3, arrived=ids(batch), confirmed_by="临河区 王科长").status == (
        BatchStatus.HANDED_OVER
    )


# ---- a handover within one district; a batch that left without a receiving unit ----


def test_a_handover_within_the_district_is_confirmed_by_another_of_its_users(city, users, lab):
    """A batch to the sending district's own quarantine hotel: the district's users confirm it — but
    never one who worked the batch (four eyes); before, nobody but a grant on the hotel could."""
    hotel = ReceivingUnit.objects.create(name="新城区集中隔离酒店", region="呼和浩特市新城区", district=city.home.district)
    batch, _ = departed(city, users, lab, hotel)
    url = reverse("movement:batch_receive", args=[batch.pk])
    with pytest.raises(PermissionRefused) as own:
        batch_receive(actor=users["district"], batch=batch, count=3, arrived=ids(batch))
    assert own.value.rule == "movement.four_eyes"
    sender = Client()
    sender.force_login(users["district"])
    assert sender.post(url, {"count": "3", "arrived": [str(i) for i in ids(batch)]}).status_code == 403
    assert TransferBatch.objects.get(pk=batch.pk).status == BatchStatus.IN_TRANSIT
    colleague = make_user("xincheng-2", Role.DISTRICT_OFFICE, [("district", city.home.district)])
    c = Client()
    c.force_login(colleague)
    assert c.get(url).status_code == 200
    assert c.post(url, {"count": "3", "arrived": [str(i) for i in ids(batch)]}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.HANDED_OVER and batch.handover_confirmed_by_user == colleague
    # another district's office still cannot, nor the command
    other = make_user("far-2", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    for user in (other, users["command"]):
        with pytest.raises(PermissionRefused):
            batch_receive(actor=user, batch=batch, count=3, arrived=ids(batch))


def test_a_batch_in_transit_without_a_receiving_unit_gets_one_and_is_confirmed(city, users, lab, out_of_city, in_city, receiving_office):
    """A batch that left before a receiving unit was required: resend says to name one (not "an
    in-city unit needs no link"); the sending office names it (audited), the unit is told with its
    one-time link and confirms. Once named it is not changed; another district cannot name it."""
    batch, _ = departed(city, users, lab, out_of_city)
    TransferBatch.objects.filter(pk=batch.pk).update(receiver=None)
    HandoverLink.objects.filter(batch=batch).delete()
    batch.notices.all().delete()  # as before receiving units were required: nobody was told
    with pytest.raises(DomainError) as resend:
        link_resend(actor=users["district"], batch=batch)
    assert resend.value.field == "receiver" and "尚未指定接收单位" in resend.value.message
    office = Client()
    office.force_login(users["district"])
    page = office.get(reverse("movement:batch_detail", args=[batch.pk])).content.decode()
    assert "data-set-receiver" in page
    outsider = make_user("far-3", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    with pytest.raises(PermissionRefused):
        batch_set_receiver(actor=outsider, batch=batch, receiver=out_of_city)
    r = office.post(reverse("movement:batch_step", args=[batch.pk, "receiver"]), {"receiver": str(out_of_city.pk)}, follow=True)
    assert "已指定接收单位" in r.content.decode()
    batch.refresh_from_db()
    assert batch.receiver == out_of_city
    event = AuditEvent.objects.get(event_type=MovementEvent.BATCH_RECEIVER_SET)
    assert event.actor == users["district"] and event.after["receiver"] == out_of_city.pk
    assert batch.notices.filter(kind="batch_departed", receiver=out_of_city).exists()
    with pytest.raises(DomainError) as again:
        batch_set_receiver(actor=users["district"], batch=batch, receiver=in_city)
    assert again.value.field == "receiver"
    link = HandoverLink.objects.get(batch=batch)
    assert link_token(link).split(":")[0] not in r.content.decode()
    done = batch_receive_by_link(token=link_token(link), count=3, arrived=ids(batch), confirmed_by="临河区 王科长")
    assert done.status == BatchStatus.HANDED_OVER
    # in this city: the receiving district's office confirms on the platform
    local, _ = departed(city, users, lab, in_city, names=("本市甲",))
    TransferBatch.objects.filter(pk=local.pk).update(receiver=None)
    batch_set_receiver(actor=users["district"], batch=local, receiver=in_city)
    assert not HandoverLink.objects.filter(batch=local).exists()
    assert batch_receive(actor=receiving_office, batch=local, count=1, arrived=ids(local)).status == BatchStatus.HANDED_OVER


def test_the_live_link_is_not_kept_in_a_notification_nor_shown_in_the_admin(city, users, lab, out_of_city, django_user_model):
    """The departure notice of a batch to a unit elsewhere: the unit's webhook gets the one-time link;
    a platform user holding a grant on the unit gets a notification linking to the receiving page
    (the account is enough, no token stored); the delivery's stored payload is shown in the admin
    with the token redacted."""
    unit_webhook(out_of_city)
    unit_user = make_user("linhe", Role.DISTRICT_OFFICE)
    Grant.objects.create(user=unit_user, level="facility", facility_kind="movement_receiver", place_id=out_of_city.pk)
    batch, _ = departed(city, users, lab, out_of_city)
    deliver_rule(rules.get(DESTINATION_NOTICE), now=timezone.now() + dt.timedelta(seconds=1))
    token = link_token(link_of(batch)).split(":")[0]  # the signed body: [link id, nonce] (the rest is a timestamp and a MAC)
    delivery = next(d for d in WebhookDelivery.objects.all() if "/movement/handover/" in d.payload["path"])
    assert token in decrypt(delivery.path_cipher)  # what the unit's system receives (and the retry re-sends)
    sent = decrypt(delivery.path_cipher).rstrip("/").rsplit("/", 1)[-1]
    assert token not in json.dumps(delivery.payload) and sent.split(":")[-1] not in json.dumps(delivery.payload)
    notice = Notification.objects.get(recipient=unit_user)
    assert token not in notice.url and notice.url == reverse("movement:batch_receive", args=[batch.pk])
    assert not Notification.objects.filter(url__contains=token).exists()
    page = Client()
    page.force_login(unit_user)
    assert page.get(notice.url).status_code == 200  # the grant on the unit confirms on the platform
    root = django_user_model.objects.create_superuser("root-h", password="pass-word-1")
    admin = Client()
    admin.force_login(root)
    shown = admin.get(reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk]))
    assert shown.status_code == 200 and "/movement/handover/" in shown.content.decode()
    assert token not in shown.content.decode() and sent.split(":")[-1] not in shown.content.decode()
