"""Sign-in throttling: a delay that grows with each failure, counted atomically, per account and
per address — and a browser the account signed in on before is not held back by strangers.

Every password (and second-factor) check, on every path, first *reserves* its attempt: under a row
lock it is counted as a failure before the password is looked at, and refused unchecked while a
delay runs. Forty requests sent at once therefore get exactly `limit` checks between them; the
others are refused without touching the password. A right password then takes its attempt back.

What is counted (buckets):
- ``account:<username>`` — attempts for the username from browsers it has not signed in on before
  (and from scripts); FANGKONG_LOGIN_MAX_FAILURES free failures;
- ``address:<client address>`` — attempts from one address (an IPv6 /64) for any username, against
  spraying many usernames; FANGKONG_LOGIN_MAX_FAILURES_PER_ADDRESS free failures;
- ``device:<id>`` — attempts from a browser that carries the signed cookie the account received on
  its last successful sign-in there (a "known browser"); it is counted on its own instead of the
  two above, so a stranger hammering the username (or sharing the address) cannot keep the real
  user out. A stolen cookie buys nothing more than FANGKONG_LOGIN_MAX_FAILURES guesses.

After the free failures each further failure waits FANGKONG_LOGIN_DELAY_SECONDS, doubled per
failure, at most FANGKONG_LOGIN_MAX_DELAY_MINUTES; one attempt is allowed when the wait is over.
A bucket forgets after FANGKONG_LOGIN_FORGET_HOURS without a failure. A complete sign-in clears
its account or browser bucket; an address only takes back the attempt that succeeded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from fangkong.core.netaddr import address_block, client_address

from .models import LoginThrottle

DEVICE_COOKIE = "fk_known_browser"
DEVICE_COOKIE_PATH = "/accounts/"
_DEVICE_SALT = "fangkong.accounts.known-browser"
_DEVICE_ENTRIES = 8  # accounts remembered per browser (a shared office computer)

ACCOUNT = "account"
ADDRESS = "address"
DEVICE = "device"


@dataclass(frozen=True)
class Bucket:
    key: str
    scope: str  # ACCOUNT, ADDRESS or DEVICE
    limit: int


@dataclass
class Reservation:
    """One attempt counted in advance; settle it with `settle_success` when the check passes."""

    buckets: list[Bucket]
    at: dt.datetime
    before: dict[str, tuple[int, dt.datetime | None, dt.datetime | None]] = field(default_factory=dict)
    delayed: dict[str, dt.datetime] = field(default_factory=dict)  # bucket scope → until, if this attempt fails


class Throttled(Exception):
    """Refused unchecked while a wait runs. `first`: the first refusal in this wait of one of the
    waiting buckets (the callers record every refusal for an existing account, the first one only
    for an unknown user name)."""

    def __init__(self, until: dt.datetime, scopes: list[str], *, first: bool = True) -> None:
        super().__init__(f"throttled until {until.isoformat()}")
        self.until = until
        self.scopes = scopes
        self.first = first


def _username_key(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _user_tag(username: str) -> str:
    return hashlib.sha256(_username_key(username).encode()).hexdigest()[:16]


def delay_after(failures: int, limit: int) -> dt.timedelta | None:
    """The wait after `failures` consecutive failures: none below the limit, then doubling."""
    if limit <= 0 or failures < limit:
        return None
    cap = settings.FANGKONG_LOGIN_MAX_DELAY_MINUTES * 60
    seconds = settings.FANGKONG_LOGIN_DELAY_SECONDS * 2 ** min(failures - limit, 30)
    return dt.timedelta(seconds=min(seconds, cap))


# ---- known browsers ----


def _device_entries(request: Any) -> list[list[str]]:
    raw = getattr(request, "COOKIES", {}).get(DEVICE_COOKIE) if request is not None else None
    if not raw:
        return []
    try:
        entries = signing.loads(raw, salt=_DEVICE_SALT, max_age=dt.timedelta(days=settings.FANGKONG_LOGIN_DEVICE_DAYS))
    except signing.BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e)]


def known_browser(request: Any, username: str) -> str | None:
    """The browser id the account's cookie names in this request, or None."""
    tag = _user_tag(username)
    for user_tag, device in _device_entries(request):
        if user_tag == tag:
            return device
    return None


def remember_browser(request: Any, response: Any, username: str) -> None:
    """After a complete sign-in: give (or renew) this browser's cookie for the account."""
    tag = _user_tag(username)
    device = known_browser(request, username) or secrets.token_urlsafe(16)
    entries = [[tag, device]] + [e for e in _device_entries(request) if e[0] != tag]
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(entries[:_DEVICE_ENTRIES], salt=_DEVICE_SALT, compress=True),
        max_age=settings.FANGKONG_LOGIN_DEVICE_DAYS * 86400,
        path=DEVICE_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# ---- buckets ----


def buckets_for(request: Any, username: str) -> list[Bucket]:
    account_limit = settings.FANGKONG_LOGIN_MAX_FAILURES
    device = known_browser(request, username)
    if device is not None:
        return [Bucket(f"{DEVICE}:{device}", DEVICE, account_limit)]
    buckets = [Bucket(f"{ACCOUNT}:{_username_key(username)}", ACCOUNT, account_limit)]
    block = address_block(client_address(request))
    if block is not None:
        buckets.append(Bucket(f"{ADDRESS}:{block}", ADDRESS, settings.FANGKONG_LOGIN_MAX_FAILURES_PER_ADDRESS))
    return buckets


def _locked_rows(keys: list[str]) -> dict[str, LoginThrottle]:
    LoginThrottle.objects.bulk_create([LoginThrottle(key=k) for k in keys], ignore_conflicts=True)
    return {row.key: row for row in LoginThrottle.objects.select_for_update().filter(key__in=keys).order_by("key")}


def _forget_if_stale(row: LoginThrottle, now: dt.datetime) -> None:
    forget = dt.timedelta(hours=settings.FANGKONG_LOGIN_FORGET_HOURS)
    if row.last_failure_at is not None and now - row.last_failure_at > forget:
        row.failures, row.last_failure_at, row.blocked_until = 0, None, None


def reserve(buckets: list[Bucket]) -> Reservation:
    """Count one attempt in every bucket, or raise Throttled (nothing counted) while one waits."""
    now = timezone.now()
    reservation = Reservation(buckets=buckets, at=now)
    with transaction.atomic():
        rows = _locked_rows([b.key for b in buckets])
        for row in rows.values():
            _forget_if_stale(row, now)
        waiting = [b for b in buckets if rows[b.key].blocked_until and rows[b.key].blocked_until > now]
        if waiting:
            # Note the wait in which a refusal was recorded (committed: the refusal is raised below).
            first = [rows[b.key] for b in waiting if rows[b.key].refusal_recorded_until != rows[b.key].blocked_until]
            for row in first:
                row.refusal_recorded_until = row.blocked_until
                row.save(update_fields=["refusal_recorded_until"])
            refused = Throttled(
                until=max(rows[b.key].blocked_until for b in waiting), scopes=sorted({b.scope for b in waiting}), first=bool(first)
            )
        else:
            refused = None
            _count(buckets, rows, reservation, now)
    if refused is not None:
        raise refused
    return reservation


def _count(buckets: list[Bucket], rows: dict[str, LoginThrottle], reservation: Reservation, now: dt.datetime) -> None:
    """Count the attempt as a failure in every bucket (taken back by `settle_success`)."""
    for bucket in buckets:
        row = rows[bucket.key]
        reservation.before[bucket.key] = (row.failures, row.last_failure_at, row.blocked_until)
        row.failures += 1
        row.last_failure_at = now
        wait = delay_after(row.failures, bucket.limit)
        row.blocked_until = now + wait if wait else None
        if row.blocked_until:
            reservation.delayed[bucket.scope] = row.blocked_until
        row.save(update_fields=["failures", "last_failure_at", "blocked_until"])


def settle_success(reservation: Reservation, *, complete: bool) -> None:
    """The check passed. A complete sign-in clears its account or browser bucket; otherwise (a
    password right, the second factor still to come) only this attempt is taken back."""
    with transaction.atomic():
        rows = _locked_rows([b.key for b in reservation.buckets])
        for bucket in reservation.buckets:
            row = rows[bucket.key]
            if complete and bucket.scope in (ACCOUNT, DEVICE):
                row.failures, row.last_failure_at, row.blocked_until = 0, None, None
            else:
                failures, last_at, blocked = reservation.before.get(bucket.key, (0, None, None))
                if row.failures == failures + 1 and row.last_failure_at == reservation.at:
                    row.failures, row.last_failure_at, row.blocked_until = failures, last_at, blocked
                else:  # others failed meanwhile: their delay stands
                    row.failures = max(0, row.failures - 1)
            row.save(update_fields=["failures", "last_failure_at", "blocked_until"])


def clear(username: str) -> int:
    """An administrator lets the account try again at once (its account bucket only)."""
    deleted, _ = LoginThrottle.objects.filter(key=f"{ACCOUNT}:{_username_key(username)}").delete()
    return deleted
