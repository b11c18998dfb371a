"""The JSON a webhook receives for one event: the rule, the event's key, its time, the places it
lies in (ids), the message in Chinese and English and its params — the same words the notification
centre shows, which name places, facilities and counts, never a person."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from fangkong.core.crypto import encrypt

from .rules import Event, Rule, rules
from .text import title_and_text


def event_payload(rule: Rule, event: Event) -> dict[str, Any]:
    texts = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            title, text = title_and_text(event.message, event.params)
        texts[language] = {"title": title, "text": text}
    return {
        "rule": rule.key,
        "event": event.key,
        "message": event.message,
        "occurred_at": event.at.isoformat(),
        "places": {k: v for k, v in event.places.items() if v is not None},
        "params": dict(event.params),
        "texts": texts,
        "path": event.webhook_url or event.url,
    }


REDACTED = "…"


def shown_payload(rule_key: str, payload: Any) -> Any:
    """The stored payload as the admin shows it: for a rule whose paths may be bearer links
    (Rule.bearer_links), the path's last segment — the token — replaced by "…"."""
    rule = rules.get(rule_key)
    if rule is None or not rule.bearer_links or not isinstance(payload, dict) or not payload.get("path"):
        return payload
    head, _sep, _tail = str(payload["path"]).rstrip("/").rpartition("/")
    return {**payload, "path": f"{head}/{REDACTED}/"}


def sealed_payload(rule: Rule, event: Event) -> dict[str, Any]:
    """A webhook delivery's stored fields: the payload, and for a rule whose paths are bearer links the
    path sealed apart (`path_cipher`) with the payload's own copy redacted."""
    payload = event_payload(rule, event)
    if not (rule.bearer_links and payload.get("path")):
        return {"payload": payload}
    return {"payload": shown_payload(rule.key, payload), "path_cipher": encrypt(str(payload["path"]))}
