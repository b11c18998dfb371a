"""Sending one webhook delivery: the body is the delivery's JSON payload, signed with HMAC-SHA256 over
"<timestamp>.<body>" with the webhook's secret (headers X-Fangkong-Timestamp, X-Fangkong-Signature:
"sha256=<hex>", X-Fangkong-Delivery: the delivery's id, the same on every retry). A 2xx answer
delivers it; anything else (or no answer) is recorded as an attempt and retried with a growing
delay (fangkong.notifications.tasks) until MAX_ATTEMPTS, then the delivery is marked failed.
How a receiver verifies: docs/operator-guide.md §10."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from fangkong.core.crypto import decrypt

from ..choices import DeliveryStatus
from ..models import WebhookAttempt, WebhookDelivery

MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10
BASE_DELAY_SECONDS = 30  # 30 s, 1 min, 2 min, 4 min, 8 min between the six attempts


@dataclass(frozen=True)
class SendResult:
    delivered: bool
    retry_in: int | None  # seconds until the next attempt; None: no retry (delivered, failed or gone)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def body_of(delivery: WebhookDelivery) -> bytes:
    """What is POSTed: the stored payload, with a sealed bearer link put back in clear (payload.sealed_payload)."""
    payload = delivery.payload
    if delivery.path_cipher:
        payload = {**payload, "path": decrypt(delivery.path_cipher)}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def backoff(attempts: int) -> int:
    return BASE_DELAY_SECONDS * 2 ** max(0, attempts - 1)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (an admin-configured http(s) URL)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return answer.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:300]


def webhook_send(delivery_id: int) -> SendResult:
    """One attempt of one delivery (nothing if it is delivered, failed, or its webhook is switched off)."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("webhook").filter(pk=delivery_id).first()
        if delivery is None or delivery.status != DeliveryStatus.PENDING or not delivery.webhook.is_active:
            return SendResult(False, None)
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])  # claimed: a second worker sees the count
    hook = delivery.webhook
    body = body_of(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "fangkong-webhook/1",
        "X-Fangkong-Delivery": str(delivery.pk),
        "X-Fangkong-Timestamp": str(timestamp),
        "X-Fangkong-Signature": sign(hook.secret, timestamp, body),
    }
    started = time.perf_counter()
    status, error = _post(hook.url, body, headers)
    ok = status is not None and 200 <= status < 300
    WebhookAttempt.objects.create(
        delivery=delivery, status_code=status, error=error, duration_ms=int((time.perf_counter() - started) * 1000)
    )
    if ok:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), path_cipher="")
        return SendResult(True, None)
    if delivery.attempts >= MAX_ATTEMPTS:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, path_cipher="")
        return SendResult(False, None)
    return SendResult(False, backoff(delivery.attempts))
