"""Outgoing webhooks: nothing is sent unless one is configured; a configured unit's events are POSTed
to a local HTTP server (127.0.0.1) signed with HMAC-SHA256 over "<timestamp>.<body>", retried with a
growing delay when the receiver fails, every attempt recorded; the payload names no person."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from huey.exceptions import RetryTask

from fangkong.cases.alerts import POSITIVE_IN_COMMUNITY
from fangkong.notifications import tasks
from fangkong.notifications.choices import DeliveryStatus, UnitLevel
from fangkong.notifications.models import Webhook, WebhookAttempt, WebhookDelivery
from fangkong.notifications.services import deliver
from fangkong.notifications.services.webhooks import MAX_ATTEMPTS, backoff, sign, webhook_send

pytestmark = pytest.mark.django_db

SECRET = "s3cret-of-the-city-sms-gateway-0123456789"


class Receiver:
    """A local HTTP server answering each POST with the next status of `answers` (then 200)."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the http.server name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    holder: list[Receiver] = []

    def start(answers: list[int] = ()) -> Receiver:
        r = Receiver(list(answers))
        holder.append(r)
        return r

    yield start
    for r in holder:
        r.close()


def _hook(url: str, city, **kw) -> Webhook:
    return Webhook.objects.create(
        name="新城区短信网关", level=UnitLevel.DISTRICT, place_id=city.home.district.pk, url=url, secret=SECRET, **kw
    )


def verify(headers: dict[str, str], body: bytes, secret: str) -> bool:
    """What a receiver does (docs/operator-guide.md §10)."""
    expected = hmac.new(secret.encode(), headers["x-fangkong-timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["x-fangkong-signature"], f"sha256={expected}")


def test_nothing_is_sent_unless_a_webhook_is_configured(positives, receiver):
    r = receiver()
    deliver(now=timezone.now())
    assert not WebhookDelivery.objects.exists() and r.received == []


def test_a_units_events_are_posted_signed_and_name_no_person(positives, receiver, city, django_capture_on_commit_callbacks):
    r = receiver()
    _hook(r.url, city)
    with django_capture_on_commit_callbacks(execute=True):
        stats = deliver(now=timezone.now())
    assert sum(s.webhooks for s in stats.rules) == 1  # the home district's positive, not 回民区's
    ((headers, body),) = r.received
    assert verify(headers, body, SECRET)
    assert not verify(headers, body, "another-secret-of-at-least-32-characters")
    assert not verify(headers, body.replace(b"}", b" }", 1), SECRET)  # a changed body fails
    payload = json.loads(body)
    assert payload["rule"] == POSITIVE_IN_COMMUNITY and payload["places"]["district"] == city.home.district.pk
    assert payload["texts"]["zh-hans"]["title"] == "本社区发现阳性"
    assert "阳性甲" not in body.decode()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert headers["x-fangkong-delivery"] == str(delivery.pk)
    assert WebhookAttempt.objects.get().status_code == 200


def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_recorded(positives, receiver, city):
    r = receiver([500, 503])
    _hook(r.url, city)
    deliver(now=timezone.now())  # queued on commit: the test transaction never commits, so it waits here
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(RetryTask) as first:
        tasks.webhook_send.call_local(delivery.pk)
    assert first.value.delay == backoff(1) == 30
    with pytest.raises(RetryTask) as second:
        tasks.webhook_send.call_local(delivery.pk)
    assert second.value.delay == backoff(2) == 60
    assert tasks.webhook_send.call_local(delivery.pk) is True
    assert list(WebhookAttempt.objects.values_list("status_code", flat=True)) == [500, 503, 200]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert tasks.webhook_send.call_local(delivery.pk) is False  # delivered: not sent again
    assert len(r.received) == 3
    assert len({h["x-fangkong-delivery"] for h, _ in r.received}) == 1  # the same id on every retry


def test_a_receiver_that_never_answers_fails_after_the_last_attempt(positives, city):
    _hook("http://127.0.0.1:9/closed", city)  # the discard port: nothing listens
    deliver(now=timezone.now())
    delivery = WebhookDelivery.objects.get()
    results = [webhook_send(delivery.pk) for _ in range(MAX_ATTEMPTS + 1)]
    assert [x.retry_in is not None for x in results] == [True] * (MAX_ATTEMPTS - 1) + [False, False]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == MAX_ATTEMPTS
    assert WebhookAttempt.objects.filter(status_code__isnull=True).count() == MAX_ATTEMPTS
    assert WebhookAttempt.objects.exclude(error="").count() == MAX_ATTEMPTS


def test_a_webhook_is_queued_once_per_event_and_only_for_its_rules(positives, city):
    _hook("http://127.0.0.1:9/x", city, rules=["testing.tube_overdue"])
    deliver(now=timezone.now())
    assert not WebhookDelivery.objects.exists()
    Webhook.objects.update(rules=[])
    now = timezone.now()
    deliver(now=now)
    deliver(now=now, since=now - timezone.timedelta(days=1))
    assert WebhookDelivery.objects.count() == 1


def test_the_signature_is_over_timestamp_and_body():
    assert sign("k" * 32, 1700000000, b"{}") == "sha256=" + hmac.new(b"k" * 32, b"1700000000.{}", hashlib.sha256).hexdigest()


def test_a_webhook_needs_a_long_secret_and_a_unit(city):
    hook = Webhook(name="x", level=UnitLevel.DISTRICT, url="ftp://example.org/", secret="short", rules=["nope"])
    with pytest.raises(ValidationError) as exc:
        hook.full_clean()
    assert {"secret", "place_id", "url", "rules"} <= set(exc.value.message_dict)


def test_configuring_a_webhook_in_the_admin_is_audited_without_its_secret(client, city, django_user_model):
    from django.urls import reverse

    from fangkong.audit.catalogue import EventType
    from fangkong.audit.models import AuditEvent

    root = django_user_model.objects.create_superuser("root", password="pass-word-1")
    client.force_login(root)
    answer = client.post(
        reverse("admin:notifications_webhook_add"),
        {
            "name": "新城区短信网关",
            "level": "district",
            "place_id": city.home.district.pk,
            "facility_kind": "",
            "url": "https://sms.example.org/hook",
            "secret": SECRET,
            "rules": "[]",
            "is_active": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    event = AuditEvent.objects.get(event_type=EventType.ADMIN_CREATED, object_type="notifications.webhook")
    assert event.after["secret"] == "***" and SECRET not in str(event.after)


def test_a_facilitys_webhook_holds_the_facilitys_events_only():
    from fangkong.notifications.audience import covers

    lab = Webhook(level=UnitLevel.FACILITY, facility_kind="laboratory", place_id=2)
    assert covers(lab.grant_key, lab.place_id, {"facility:laboratory": 2})
    assert not covers(lab.grant_key, lab.place_id, {"facility:laboratory": 3})
    assert not covers(lab.grant_key, lab.place_id, {"district": 2, "community": 2})
    assert covers(UnitLevel.CITY, None, {"district": 5})


def _stored_secret(pk: int) -> str:
    """What the database itself holds (a dump, a replica, a backup): the column, read without the model."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_webhook WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_a_database_dump_holds_no_webhook_secret_and_signing_still_works(positives, receiver, city, django_capture_on_commit_callbacks):
    from fangkong.core.crypto import current_prefix, decrypt

    r = receiver()
    hook = _hook(r.url, city)
    stored = _stored_secret(hook.pk)
    # The attack: read the column (someone with a dump forges signed messages to the city's gateway).
    assert SECRET not in stored and stored.startswith(current_prefix())
    assert decrypt(stored) == SECRET  # only with FANGKONG_DATA_KEY
    assert Webhook.objects.get(pk=hook.pk).secret == SECRET
    with django_capture_on_commit_callbacks(execute=True):
        deliver(now=timezone.now())
    ((headers, body),) = r.received
    assert verify(headers, body, SECRET)
    hook.refresh_from_db()
    hook.save()  # saving again seals it again (a fresh nonce), still the same secret
    assert _stored_secret(hook.pk) != stored and Webhook.objects.get(pk=hook.pk).secret == SECRET


def test_a_secret_typed_in_the_admin_is_stored_encrypted(client, city, django_user_model):
    from django.urls import reverse

    root = django_user_model.objects.create_superuser("root2", password="pass-word-1")
    client.force_login(root)
    form = {
        "name": "新城区短信网关",
        "level": "district",
        "place_id": city.home.district.pk,
        "facility_kind": "",
        "url": "https://sms.example.org/hook",
        "secret": SECRET,
        "rules": "[]",
        "is_active": "on",
    }
    assert client.post(reverse("admin:notifications_webhook_add"), form).status_code == 302
    hook = Webhook.objects.get()
    assert SECRET not in _stored_secret(hook.pk) and hook.secret == SECRET
    too_long = {**form, "secret": "x" * 129}
    assert client.post(reverse("admin:notifications_webhook_add"), too_long).status_code == 200  # 128 at most, in clear
