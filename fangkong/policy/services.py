"""Writes to policy profiles: activate, copy into a local profile, change a local parameter."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import user_can
from fangkong.core.scoping import jurisdiction_of
from fangkong.policy.permissions import POLICY_MANAGE

from .clock_times import TIME_LISTS, clock_times
from .models import PolicyParameter, PolicyProfile


def may_manage(actor: Any) -> bool:
    """Whether `actor` may change the policy (what the pages offer; _require_manager refuses the rest)."""
    return user_can(actor, POLICY_MANAGE) and jurisdiction_of(actor).city


def _require_manager(actor: Any) -> None:
    """The policy is the whole city's: a write needs the capability and a city-wide grant (a
    district's system administrator holds the capability for their district's accounts only)."""
    if not user_can(actor, POLICY_MANAGE):
        raise PermissionRefused(_("只有系统管理员可以修改防控政策"), rule=POLICY_MANAGE)
    if not jurisdiction_of(actor).city:
        raise PermissionRefused(_("防控政策适用于全市，只有管辖范围为全市的系统管理员可以修改"), rule="policy.city_wide")


@transaction.atomic
def profile_activate(*, actor: Any, profile: PolicyProfile) -> PolicyProfile:
    _require_manager(actor)
    previous = PolicyProfile.objects.select_for_update().filter(is_active=True).first()
    if previous and previous.pk == profile.pk:
        return profile
    PolicyProfile.objects.filter(is_active=True).update(is_active=False)
    profile.is_active = True
    profile.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        event_type=EventType.POLICY_ACTIVATED,
        obj=profile,
        before={"active": previous.code if previous else None},
        after={"active": profile.code},
    )
    return profile


@transaction.atomic
def profile_copy(*, actor: Any, source: PolicyProfile, name: str, version: str = "local") -> PolicyProfile:
    _require_manager(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("请填写新版本名称"), field="name")
    base = slugify(f"local-{source.code}-{version}")[:40] or "local"
    code, n = base, 1
    while PolicyProfile.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    copy = PolicyProfile.objects.create(
        code=code,
        name=name,
        version=version,
        effective_from=source.effective_from,
        source=f"本地版本，复制自 {source.name}（{source.version}）",
        is_builtin=False,
        based_on=source,
        created_by=actor,
    )
    PolicyParameter.objects.bulk_create(
        PolicyParameter(profile=copy, key=p.key, value=p.value, unit=p.unit, source=p.source, description=p.description)
        for p in source.parameters.all()
    )
    audit_record(actor=actor, event_type=EventType.POLICY_COPIED, obj=copy, before={"source": source.code}, after={"code": code})
    return copy


def _coerce(current: Any, raw: str) -> Any:
    """Parse a typed value to the type the parameter already has."""
    raw = raw.strip()
    if isinstance(current, bool):
        if raw.lower() in {"true", "1", "yes", "是"}:
            return True
        if raw.lower() in {"false", "0", "no", "否"}:
            return False
        raise DomainError(_("请填写 true 或 false"), field="value")
    if isinstance(current, int):
        try:
            return int(raw)
        except ValueError as exc:
            raise DomainError(_("请填写整数"), field="value") from exc
    if isinstance(current, list):
        parts = [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]
        if all(isinstance(x, int) for x in current):
            try:
                return [int(p) for p in parts]
            except ValueError as exc:
                raise DomainError(_("请填写以逗号分隔的整数"), field="value") from exc
        return parts
    return raw


@transaction.atomic
def parameter_change(*, actor: Any, parameter: PolicyParameter, raw_value: str, source: str) -> PolicyParameter:
    _require_manager(actor)
    if parameter.profile.is_builtin:
        raise DomainError(
            _("内置政策版本不可修改，请先复制为本地版本"),
            rule="policy.builtin_read_only",
        )
    source = source.strip()
    if not source:
        raise DomainError(_("请填写修改依据"), field="source")
    before = {"value": parameter.value, "source": parameter.source}
    parameter.value = _coerce(parameter.value, raw_value)
    if parameter.key in TIME_LISTS:
        clock_times(parameter.value, key=parameter.key)
    parameter.source = source
    parameter.save(update_fields=["value", "source"])
    audit_record(
        actor=actor,
        event_type=EventType.POLICY_PARAMETER_CHANGED,
        obj=parameter,
        object_repr=f"{parameter.profile.code}:{parameter.key}",
        before=before,
        after={"value": parameter.value, "source": parameter.source},
    )
    return parameter
