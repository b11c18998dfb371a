"""May this user do X? Capabilities come from the module registry (each app declares its own and
the roles that hold them); grants (fangkong.accounts) say where. Both must allow an action."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied

from .errors import PermissionRefused
from .modules import registry


def capabilities_of(user: Any) -> frozenset[str]:
    if not user or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return frozenset()
    if getattr(user, "is_superuser", False):
        return frozenset(registry.capabilities)
    return registry.role_capabilities(getattr(user, "role", "") or "")


def user_can(user: Any, capability: str) -> bool:
    return capability in capabilities_of(user)


def require(user: Any, capability: str) -> None:
    """Refuse (PermissionRefused, naming what the role may not do) unless the user holds `capability`."""
    if not user_can(user, capability):
        raise PermissionRefused(str(registry.capability(capability).refusal), rule=capability)


def require_any(user: Any, capabilities: Iterable[str]) -> None:
    """Any one of `capabilities` will do (e.g. a refusal is recorded by the dispatcher or by the facility)."""
    caps = list(capabilities)
    if not any(user_can(user, c) for c in caps):
        raise PermissionRefused(str(registry.capability(caps[0]).refusal), rule=" | ".join(caps))


def require_page(user: Any, *capabilities: str) -> None:
    """For pages: any one of `capabilities` will do; otherwise 403 with the role's refusal."""
    try:
        require_any(user, capabilities)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
