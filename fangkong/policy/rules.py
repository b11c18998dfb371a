"""The one way code reads a rule: rule("close_contact.central_days") → value with provenance."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError

from .models import PolicyParameter, PolicyProfile


@dataclass(frozen=True)
class Rule:
    key: str
    value: Any
    unit: str
    source: str
    profile_code: str
    profile_name: str
    profile_version: str

    @property
    def citation(self) -> str:
        """What to show beside a decision: the rule, its profile and its source."""
        return f"{self.key} = {self.value}{self.unit} — {self.profile_name}（{self.profile_version}）：{self.source}"


class PolicyNotConfigured(DomainError):
    pass


_read_once: ContextVar[dict[Any, Any] | None] = ContextVar("policy_rules_read_once", default=None)


@contextmanager
def rules_read_once() -> Iterator[None]:
    """Inside the block each rule (and the active profile) is read from the database once: for bulk
    work that makes thousands of decisions under one policy (a synthetic data generator). The
    policy must not change inside the block."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def active_profile() -> PolicyProfile:
    memo = _read_once.get()
    if memo is not None and "active" in memo:
        return memo["active"]
    profile = PolicyProfile.objects.filter(is_active=True).first()
    if profile is None:
        raise PolicyNotConfigured(_("没有启用的防控政策版本"), rule="policy.active_profile")
    if memo is not None:
        memo["active"] = profile
    return profile


def rule(key: str, *, profile: PolicyProfile | None = None) -> Rule:
    profile = profile or active_profile()
    memo = _read_once.get()
    if memo is not None and (profile.pk, key) in memo:
        return memo[(profile.pk, key)]
    try:
        p = PolicyParameter.objects.get(profile=profile, key=key)
    except PolicyParameter.DoesNotExist as exc:
        raise PolicyNotConfigured(_("政策版本“%(profile)s”未设置参数 %(key)s") % {"profile": profile.name, "key": key}, rule=key) from exc
    found = Rule(key, p.value, p.unit, p.source, profile.code, profile.name, profile.version)
    if memo is not None:
        memo[(profile.pk, key)] = found
    return found


def rule_value(key: str, *, profile: PolicyProfile | None = None) -> Any:
    return rule(key, profile=profile).value
