"""Migration notifications 0002: the webhook secrets stored in clear are encrypted in place (and
decrypted back on reversal). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from fangkong.core.crypto import decrypt

from ..migrator import latest, migrate

BEFORE = ("notifications", "0001_initial")
AFTER = ("notifications", "0002_webhook_secret_encrypted")
SECRET = "s3cret-of-the-city-sms-gateway-0123456789"


def stored() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notifications_webhook ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_clear_secrets_are_encrypted_in_place_and_back():
    apps = migrate(BEFORE)
    Webhook = apps.get_model("notifications", "Webhook")
    Webhook.objects.create(name="a", level="city", url="https://a.example.org/", secret=SECRET)
    Webhook.objects.create(name="b", level="city", url="https://b.example.org/", secret=SECRET[::-1])
    assert stored() == [SECRET, SECRET[::-1]]
    try:
        apps = migrate(AFTER)
        sealed = stored()
        assert all(SECRET not in s and SECRET[::-1] not in s for s in sealed)
        assert [decrypt(s) for s in sealed] == [SECRET, SECRET[::-1]]
        from fangkong.notifications.models import Webhook as Current

        assert list(Current.objects.order_by("id").values_list("secret", flat=True)) == [SECRET, SECRET[::-1]]
        migrate(BEFORE)
        assert stored() == [SECRET, SECRET[::-1]]
    finally:
        migrate(latest("notifications"))
        connection.cursor().execute("DELETE FROM notifications_webhook")
