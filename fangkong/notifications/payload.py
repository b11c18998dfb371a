"""The JSON a webhook receives for one event: the rule, the event's key, its time, the places it
lies in (ids), the message in Chinese and English and its params — the same words the notification
centre shows, which name places, facilities and counts, never a person."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from .rules import Event, Rule
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
        "path": event.url,
    }
