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
    """Inside the block the active profile is read once and each profile's parameters in one query,
    for all the rules read after: for bulk work that makes thousands of decisions under one policy (a
    synthetic data generator). Every web request is such a block (`request_started` below). A change
    to a profile or a parameter saved or deleted inside the block empties it (`forget_read_rules`),
    so the next read sees the change at once."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def rules_read_per_request(**_kwargs: Any) -> None:
    """`request_started`: the request reads the policy once (2 queries, however many rules its page
    reads: the landing page of a district office read 19 rules, one query each). Ended by
    `rules_read_end` on `request_finished`; the next request reads afresh, so a policy activated or
    edited in one request shows in the next, in every worker."""
    _read_once.set({})


def rules_read_end(**_kwargs: Any) -> None:
    _read_once.set(None)


def forget_read_rules(**_kwargs: Any) -> None:
    """post_save / post_delete of a profile or a parameter: forget what this block has read."""
    memo = _read_once.get()
    if memo is not None:
        memo.clear()


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


def _parameter(profile: PolicyProfile, key: str) -> PolicyParameter | None:
    memo = _read_once.get()
    if memo is None:
        return PolicyParameter.objects.filter(profile=profile, key=key).first()
    parameters = memo.get(("parameters", profile.pk))
    if parameters is None:
        parameters = memo[("parameters", profile.pk)] = {p.key: p for p in PolicyParameter.objects.filter(profile=profile)}
    return parameters.get(key)


def rule(key: str, *, profile: PolicyProfile | None = None) -> Rule:
    profile = profile or active_profile()
    p = _parameter(profile, key)
    if p is None:
        raise PolicyNotConfigured(_("政策版本“%(profile)s”未设置参数 %(key)s") % {"profile": profile.name, "key": key}, rule=key)
    return Rule(key, p.value, p.unit, p.source, profile.code, profile.name, profile.version)


def rule_value(key: str, *, profile: PolicyProfile | None = None) -> Any:
    return rule(key, profile=profile).value
