"""体温: a body temperature as typed, read by one rule for every path that takes one (the isolation
site's home check, a transfer batch's check before boarding, a checkpoint's fever log), and the
policy's one fever line.

A reading outside 34–43 ℃ is a misreading (measure again), not a patient: every path refuses it
with the same words. The fever line is the policy's `movement.fever_celsius` (the ninth edition
states it for travellers; it is the platform's only fever line, so the home check reads it too)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError
from fangkong.policy.rules import Rule, rule

BODY_RANGE = (Decimal("34.0"), Decimal("43.0"))
FEVER_KEY = "movement.fever_celsius"
BODY_RULE = "geo.body_temperature"


def celsius(raw: Any, *, label: str, field: str = "temperature") -> Decimal:
    """A temperature as typed ("36.8", "37.2℃", 37) to one decimal, or a DomainError naming `label`
    (e.g. "体温", "张** 的体温"): not a number, or outside BODY_RANGE."""
    try:
        value = Decimal(str(raw).strip().replace("℃", "")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise DomainError(_("%(label)s不是数字（例如 36.8）") % {"label": label}, field=field, rule=BODY_RULE) from None
    if not BODY_RANGE[0] <= value <= BODY_RANGE[1]:
        raise DomainError(_("%(label)s %(t)s℃ 不在 34–43℃ 之间，请复测核对") % {"label": label, "t": value}, field=field, rule=BODY_RULE)
    return value


def fever_line() -> Rule:
    """The policy's fever line (℃): a reading at or above it is a fever."""
    return rule(FEVER_KEY)


def is_fever(value: Decimal, line: Rule | None = None) -> bool:
    return value >= Decimal(str((line or fever_line()).value))
