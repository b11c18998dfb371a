"""Sending one webhook delivery: the body is the delivery's JSON payload, signed with HMAC-SHA256 over
"<timestamp>.<body>" with the webhook's secret (headers X-Fangkong-Timestamp, X-Fangkong-Signature:
"sha256=<hex>", X-Fangkong-Delivery: the delivery's id, the same on every retry). A 2xx answer
delivers it; anything else (or no answer) is recorded as an attempt and retried with a growing
delay (fangkong.notifications.tasks) until MAX_ATTEMPTS, then the delivery is marked failed.
How a receiver verifies: docs/operator-guide.md §10.

Where it goes (docs/security.md §2.21): only to a public address unless the host is in
FANGKONG_WEBHOOK_ALLOWED_HOSTS — the name is resolved, every address checked (notifications.addresses), and the
connection made to a checked address; a redirect is not followed (a 3xx is a failed attempt, the
status and its Location recorded), and the environment's proxies are not used (only
FANGKONG_WEBHOOK_PROXY, when set)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.crypto import decrypt

from ..addresses import RefusedAddress, checked_addresses, host_refusal
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


def _pinned(addresses: list[str]) -> Callable[..., socket.socket]:
    """http.client's connect, to the addresses checked a moment ago instead of a second look-up of
    the name (which a hostile DNS server could answer with an internal address: DNS rebinding). TLS
    still verifies the certificate against the name in the URL."""

    def connect(target: tuple[str, int], timeout: float, source_address: tuple[str, int] | None = None) -> socket.socket:
        error: OSError = OSError("no address")
        for address in addresses:
            try:
                return socket.create_connection((address, target[1]), timeout, source_address)
            except OSError as exc:
                error = exc
        raise error

    return connect


def _connection(parts: SplitResult) -> tuple[http.client.HTTPConnection, str]:
    """One POST's connection and request target: straight to a checked address of the receiver, or
    through FANGKONG_WEBHOOK_PROXY when set (an HTTP proxy; https is tunnelled with CONNECT). The
    environment's HTTP(S)_PROXY is never used. Refuses (RefusedAddress) an internal receiver."""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress(_("接收地址须以 https:// 或 http:// 开头"))
    https = parts.scheme == "https"
    host, port = parts.hostname, parts.port or (443 if https else 80)
    refusal = host_refusal(host)
    if refusal:
        raise RefusedAddress(refusal)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    tls = {"context": ssl.create_default_context()} if https else {}
    make = http.client.HTTPSConnection if https else http.client.HTTPConnection
    proxy = settings.FANGKONG_WEBHOOK_PROXY
    if not proxy:
        connection = make(host, port, timeout=TIMEOUT_SECONDS, **tls)
        connection._create_connection = _pinned(checked_addresses(host, port))  # the hook http.client keeps for this
        return connection, target
    with contextlib.suppress(socket.gaierror):  # a name only the proxy resolves passes; the proxy resolves
        checked_addresses(host, port)  # it again and must refuse internal destinations itself
    via = urlsplit(proxy)
    connection = make(via.hostname or "", via.port or 80, timeout=TIMEOUT_SECONDS, **tls)
    if https:
        connection.set_tunnel(host, port)
        return connection, target
    return connection, parts.geturl()  # a plain-http proxy takes the absolute URL


def _reason(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:300]


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """(status or None, error). A redirect is answered, not followed: its status and an error naming
    its Location are recorded."""
    try:
        connection, target = _connection(urlsplit(url))
    except RefusedAddress as exc:
        return None, exc.message[:300]
    except (OSError, ValueError) as exc:  # a name that does not resolve, a port out of range
        return None, _reason(exc)
    try:
        connection.request("POST", target, body=body, headers=headers)
        answer = connection.getresponse()
        status, location = answer.status, answer.getheader("Location") or ""
    except (http.client.HTTPException, OSError, ValueError) as exc:
        return None, _reason(exc)
    finally:
        connection.close()
    if 300 <= status < 400:
        return status, (_("接收方要求重定向到 %(location)s，未跟随；请改用最终地址") % {"location": location})[:300]
    return status, ""


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
