"""Hooks: where one module tells the modules above it what happened, without importing them.

A hook is declared by the module that sends it (e.g. `cases.hooks.CASE_WITHDRAWN`); the modules that
must act on it connect a receiver from their AppConfig.ready(). `send` calls every receiver in the
sender's transaction: each receiver does and audits its own work through its own services, and a
receiver's refusal rolls the sender's change back with it — nothing is half-applied. (Reading
another module goes the other way: a module above reads those below through their selectors.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hook:
    name: str
    doc: str = ""
    receivers: list[Callable[..., Any]] = field(default_factory=list)

    def connect(self, receiver: Callable[..., Any]) -> None:
        if receiver not in self.receivers:
            self.receivers.append(receiver)

    def send(self, **payload: Any) -> list[Any]:
        return [receiver(**payload) for receiver in self.receivers]
