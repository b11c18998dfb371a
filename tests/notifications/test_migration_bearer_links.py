"""Migration notifications 0003: the one-time handover links already stored in webhook deliveries'
payloads are moved out of clear — sealed where the delivery may still be sent, dropped where it is
done — and the payload keeps the path with its token redacted; reversal puts the pending ones back.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from fangkong.core.crypto import decrypt

from ..migrator import latest, migrate

BEFORE = ("notifications", "0002_webhook_secret_encrypted")
AFTER = ("notifications", "0003_webhook_bearer_path_sealed")
LINK = "/movement/handover/WzEsImFiYyJd:1tXyZ:signature-of-the-link/"


def rows() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notifications_webhookdelivery ORDER BY id")
        return [json.dumps([str(v) for v in row], ensure_ascii=False) for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_stored_links_are_sealed_or_dropped_and_back():
    apps = migrate(BEFORE)
    Webhook = apps.get_model("notifications", "Webhook")
    Delivery = apps.get_model("notifications", "WebhookDelivery")
    hook = Webhook.objects.create(
        name="临河", level="facility", facility_kind="movement_receiver", url="https://a.example.org/", secret="s" * 40
    )
    payload = {"rule": "movement.destination_notice", "path": LINK, "texts": {}}
    Delivery.objects.create(webhook=hook, rule="movement.destination_notice", event_key="b:1", payload=payload, status="pending")
    Delivery.objects.create(webhook=hook, rule="movement.destination_notice", event_key="b:2", payload=payload, status="delivered")
    other = {"rule": "cases.overdue", "path": "/cases/1/"}
    Delivery.objects.create(webhook=hook, rule="cases.overdue", event_key="c:1", payload=other, status="pending")
    assert sum(LINK in r for r in rows()) == 2
    try:
        apps = migrate(AFTER)
        assert not any("signature-of-the-link" in r for r in rows())  # no usable link left in any column
        Delivery = apps.get_model("notifications", "WebhookDelivery")
        pending, done, unrelated = Delivery.objects.order_by("id")
        assert decrypt(pending.path_cipher) == LINK and pending.payload["path"] == "/movement/handover/…/"
        assert done.path_cipher == "" and done.payload["path"] == "/movement/handover/…/"
        assert unrelated.payload == other and unrelated.path_cipher == ""
        migrate(BEFORE)
        assert sum(LINK in r for r in rows()) == 1  # the pending one can be sent again by the old code
    finally:
        migrate(latest("notifications"))
        connection.cursor().execute("DELETE FROM notifications_webhookdelivery")
        connection.cursor().execute("DELETE FROM notifications_webhook")
