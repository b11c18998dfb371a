"""May this user do X? Capabilities come from the module registry (each app declares its own and
the roles that hold them); grants (fangkong.accounts) say where. Both must allow an action.

Need-to-know: a grant lets a user see the figures of their places; the personal details of the people
in them (name, masked ID, phone, address, exposure place …) also need the app's view capability.
Pages that show them are wrapped in `need_to_know(...)`; API views declare theirs for
`fangkong.core.api.NeedToKnow`; a page that mixes figures and names asks `withheld(...)` and shows
the figures alone to a role without it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
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


def withheld(user: Any, *capabilities: str) -> str:
    """Need-to-know on a page that mixes figures and names: "" when the user may see the names, else
    the refusal of the first capability missing — the page shows its figures and this in place of
    the names (templates/components/_withheld.html)."""
    for capability in capabilities:
        if not user_can(user, capability):
            return str(registry.capability(capability).refusal)
    return ""


def require_all(user: Any, capabilities: Iterable[str]) -> None:
    """Every one of `capabilities`; the refusal names the first one missing."""
    for capability in capabilities:
        require(user, capability)


def need_to_know(*capabilities: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """For pages and fragments that show people's personal details: signed in (else the login page)
    and every one of `capabilities` (else 403 with the first missing one's refusal), checked before
    the object is looked up, so a refused role learns nothing of what exists."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(request: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                require_all(request.user, capabilities)
            except PermissionRefused as exc:
                raise PermissionDenied(exc.message) from exc
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator
