"""The rules the 快转 loop reads from the active policy profile, each with its citation.

Nothing here writes. Every decision built on these values carries the citation, so a page can say
which rule (key, value, profile, source document) produced it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Any

from fangkong.policy.models import PolicyProfile
from fangkong.policy.regimen import SAME_DAY, deadline_after, regimen_day_starts_at
from fangkong.policy.rules import PolicyNotConfigured, rule

from .triage import TriagePolicy


@dataclass(frozen=True)
class Cited:
    key: str
    value: Any
    citation: str


def cited(key: str, *, profile: PolicyProfile | None = None) -> Cited:
    r = rule(key, profile=profile)
    return Cited(r.key, r.value, r.citation)


def triage_policy(*, profile: PolicyProfile | None = None) -> TriagePolicy:
    keys = (
        "triage.fangcang_classes",
        "triage.hospital_classes",
        "triage.icu_classes",
        "triage.high_risk_age",
        "triage.high_risk_conditions",
    )
    rules = {k: cited(k, profile=profile) for k in keys}
    age = rules["triage.high_risk_age"].value
    return TriagePolicy(
        fangcang_classes=frozenset(rules["triage.fangcang_classes"].value or ()),
        hospital_classes=frozenset(rules["triage.hospital_classes"].value or ()),
        icu_classes=frozenset(rules["triage.icu_classes"].value or ()),
        high_risk_age=int(age) if age not in (None, "", 0) else None,
        high_risk_conditions=frozenset(rules["triage.high_risk_conditions"].value or ()),
        citations={k: r.citation for k, r in rules.items()},
    )


@dataclass(frozen=True)
class DischargePolicy:
    tests_required: Cited
    min_hours_between_tests: Cited
    ct_threshold: Cited
    clinical_classes: Cited
    clinical_criteria: Cited
    home_monitoring_days: Cited
    day_one: Cited


def discharge_policy(*, profile: PolicyProfile | None = None) -> DischargePolicy:
    return DischargePolicy(
        tests_required=cited("discharge.tests_required", profile=profile),
        min_hours_between_tests=cited("discharge.min_hours_between_tests", profile=profile),
        ct_threshold=cited("discharge.ct_threshold", profile=profile),
        clinical_classes=cited("discharge.clinical_classes", profile=profile),
        clinical_criteria=cited("discharge.clinical_criteria", profile=profile),
        home_monitoring_days=cited("discharge.home_monitoring_days", profile=profile),
        day_one=cited("regimen.day_one", profile=profile),
    )


def transfer_deadline(start: dt.datetime, *, profile: PolicyProfile | None = None) -> tuple[dt.datetime, str]:
    """transfer.deadline: "same_day" → the end of the local day (Asia/Shanghai) of `start`; a number
    of hours → that long after it (fangkong.policy.regimen.deadline_after, the one definition)."""
    r = cited("transfer.deadline", profile=profile)
    value = r.value
    if isinstance(value, str) and value != SAME_DAY:
        with contextlib.suppress(ValueError):  # hours typed into a local profile arrive as text
            value = float(value)
    try:
        return deadline_after(value, start), r.citation
    except PolicyNotConfigured as exc:
        raise PolicyNotConfigured(exc.message, rule=r.key, source=r.citation) from exc


def monitoring_end(start: dt.datetime, days: int, *, profile: PolicyProfile | None = None) -> dt.datetime:
    """When `days` days of home health monitoring starting at `start` are over: the start of day
    `days + 1` of the regimen (regimen.day_one says which local day is day 1)."""
    return regimen_day_starts_at(start, days + 1, profile=profile)
