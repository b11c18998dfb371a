"""The alert rules the domain apps register (like the landing panels of fangkong.core.landing): a rule
says who receives it (roles, the capability they need, the grant levels that count: a grant says
where) and how to find the events that happened since the last run (a dotted path, imported when the
worker evaluates it, so a registry.py stays light).

A module lower in the layers (this one sits just above geo) imports no domain app: each domain app
calls `rules.register(Rule(...))` from its AppConfig.ready(). Escalation and rectification rules of
later modules register the same way.

A finder is `find(since, until) -> Iterable[Event]`: the events whose moment lies in (since, until]
— a positive recorded, a deadline passed. Runs overlap a little (OVERLAP) so a row committed late is
not missed; the unique key (rule, event, recipient) makes a repeated event a no-op.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string

CITY = "city"


@dataclass(frozen=True)
class Message:
    """A notification's words in the recipient's language: a title and a short text, both
    gettext_lazy with %(name)s placeholders filled from the event's params (codes, counts, place
    and facility names — never a person's details). `labels` turns a param's code into its label
    (a TextChoices), translated when shown."""

    key: str
    title: Any
    text: Any
    labels: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """Something a rule found. `key` is unique within the rule (e.g. "transfer:42"): the same event is
    never notified twice to the same recipient. `places` holds the ids the event lies in, by grant
    level ({"district": 3, "community": 41} or {"facility:laboratory": 2}). `url` is the object's
    page, offered to recipients holding every capability of the rule's `link_needs`. `webhook_url`,
    when set, is sent to webhooks instead of `url`: a bearer link for the receiving unit's own system
    (never written into a Notification; the delivery's stored copy is redacted on display)."""

    key: str
    message: str
    at: dt.datetime
    places: Mapping[str, int | None]
    params: Mapping[str, Any] = field(default_factory=dict)
    url: str = ""
    webhook_url: str = ""


@dataclass(frozen=True)
class Rule:
    """`roles` receive it by default (a user may mute it); a recipient also needs `capability` (if
    any) and a grant at one of `levels` ("city" receives every event) covering one of the event's
    places. `find` is the dotted path of the finder; `first_lookback` how far back a rule's first run
    looks."""

    key: str
    label: Any
    roles: frozenset[str]
    levels: tuple[str, ...]
    find: str
    messages: tuple[Message, ...]
    capability: str | None = None
    link_needs: tuple[str, ...] = ()
    first_lookback: dt.timedelta = dt.timedelta(hours=1)
    order: int = 100
    # Its webhook payloads' `path` may be a bearer link (Event.webhook_url): the admin shows it redacted.
    bearer_links: bool = False

    def finder(self) -> Callable[..., Iterable[Event]]:
        return import_string(self.find)


class RuleRegistry:
    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._messages: dict[str, Message] = {}

    def register(self, rule: Rule) -> None:
        self._rules[rule.key] = rule
        for message in rule.messages:
            self._messages[message.key] = message

    def unregister(self, key: str) -> None:
        rule = self._rules.pop(key, None)
        for message in rule.messages if rule else ():
            self._messages.pop(message.key, None)

    def all(self) -> list[Rule]:
        return sorted(self._rules.values(), key=lambda r: (r.order, r.key))

    def get(self, key: str) -> Rule | None:
        return self._rules.get(key)

    def message(self, key: str) -> Message | None:
        return self._messages.get(key)

    def for_role(self, role: str) -> list[Rule]:
        return [r for r in self.all() if role in r.roles]


rules = RuleRegistry()
