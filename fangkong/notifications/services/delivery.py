"""The worker's run (every minute, fangkong.notifications.tasks): each rule is evaluated from its
watermark to now, its events matched to their recipients and written in bulk; the same (rule, event,
recipient) is never written twice (a unique key, conflicts ignored), so overlapping or repeated runs
notify nobody twice. Events inside a unit with a webhook are queued for it the same way."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from fangkong.core.bulk import BulkWriter
from fangkong.core.clock import aware
from fangkong.core.jobs import enqueue_on_commit

from ..audience import audience, covers
from ..choices import DeliveryStatus
from ..models import Notification, Watermark, Webhook, WebhookDelivery
from ..payload import sealed_payload
from ..rules import Event, Rule, rules

log = logging.getLogger(__name__)

# Each run looks this far behind the last one: a row committed late by a long transaction is still seen.
OVERLAP = dt.timedelta(minutes=5)
BATCH = 2000
COLUMNS = ("recipient_id", "rule", "event_key", "message", "params", "url", "occurred_at", "created_at")


@dataclass
class RuleStats:
    rule: str
    events: int = 0
    candidates: int = 0  # (event, recipient) pairs evaluated
    notified: int = 0  # new notifications written (pairs already notified are skipped)
    webhooks: int = 0
    seconds: float = 0.0


@dataclass
class DeliveryStats:
    rules: list[RuleStats] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.rules)

    @property
    def candidates(self) -> int:
        return sum(r.candidates for r in self.rules)

    @property
    def notified(self) -> int:
        return sum(r.notified for r in self.rules)


def deliver(*, now: dt.datetime | None = None, since: dt.datetime | None = None) -> DeliveryStats:
    """Evaluate every registered rule up to `now`. `since` overrides the watermarks (the demo looks
    back over its whole history); a rule that fails is logged and retried next run (its watermark
    stays)."""
    now = aware(now)
    stats = DeliveryStats()
    for rule in rules.all():
        try:
            stats.rules.append(deliver_rule(rule, now=now, since=since))
        except Exception:
            log.exception("notification rule %s failed; its watermark is kept", rule.key)
    return stats


def deliver_rule(rule: Rule, *, now: dt.datetime, since: dt.datetime | None = None) -> RuleStats:
    started = time.perf_counter()
    stats = RuleStats(rule.key)
    # A rule's first run looks back `first_lookback`.
    Watermark.objects.get_or_create(rule=rule.key, defaults={"until": now - rule.first_lookback + OVERLAP})
    with transaction.atomic():
        # One run of a rule at a time (the watermark's row lock; SQLite's write lock): what was
        # already notified, read below, cannot change before this run's rows are written.
        mark = Watermark.objects.select_for_update().get(rule=rule.key)
        start = since or (mark.until - OVERLAP)
        events = list({e.key: e for e in rule.finder()(since=start, until=now)}.values())  # each event once
        stats.events = len(events)
        if events:
            _notify(rule, events, stats)
            stats.webhooks = _queue_webhooks(rule, events)
        mark.until = max(mark.until, now)
        mark.events += stats.events
        mark.notified += stats.notified
        mark.save(update_fields=["until", "events", "notified"])
    stats.seconds = time.perf_counter() - started
    return stats


def _notify(rule: Rule, events: list[Event], stats: RuleStats) -> None:
    who = audience(rule)
    done = _existing(Notification, rule.key, [e.key for e in events], "recipient_id")
    rows: list[tuple] = []
    created = timezone.now()
    for event in events:
        recipients = who.recipients(event)
        stats.candidates += len(recipients)
        params = json.dumps(dict(event.params), ensure_ascii=False)
        for user_id in recipients:
            if (user_id, event.key) not in done:
                url = event.url if user_id in who.linked else ""
                rows.append((user_id, rule.key, event.key, event.message, params, url, event.at, created))
    # COPY on PostgreSQL, executemany on SQLite: nothing here conflicts (the rows already written
    # were left out under the watermark's lock).
    BulkWriter(Notification, COLUMNS).write(rows)
    stats.notified = len(rows)


def _existing(model: type, rule_key: str, keys: list[str], owner: str) -> set[tuple[int, str]]:
    """(owner id, event key) pairs of `model` already written for these events of the rule."""
    found: set[tuple[int, str]] = set()
    ordered = sorted(set(keys))
    for i in range(0, len(ordered), 900):
        found.update(model.objects.filter(rule=rule_key, event_key__in=ordered[i : i + 900]).values_list(owner, "event_key"))
    return found


def _queue_webhooks(rule: Rule, events: list[Event]) -> int:
    hooks = [h for h in Webhook.objects.filter(is_active=True) if not h.rules or rule.key in h.rules]
    if not hooks:
        return 0
    done = _existing(WebhookDelivery, rule.key, [e.key for e in events], "webhook_id")
    rows = [
        WebhookDelivery(webhook=h, rule=rule.key, event_key=e.key, **sealed_payload(rule, e))
        for e in events
        for h in hooks
        if (h.pk, e.key) not in done and covers(h.grant_key, h.place_id, e.places)
    ]
    if not rows:
        return 0
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    fresh = {(r.webhook_id, r.event_key) for r in rows}
    pks = WebhookDelivery.objects.filter(rule=rule.key, status=DeliveryStatus.PENDING, attempts=0)
    queued = 0
    ordered = sorted({r.event_key for r in rows})
    for i in range(0, len(ordered), 900):
        for pk, hook, key in pks.filter(event_key__in=ordered[i : i + 900]).values_list("pk", "webhook_id", "event_key"):
            if (hook, key) in fresh:
                enqueue_on_commit("notifications.webhook_send", pk)
                queued += 1
    return queued
