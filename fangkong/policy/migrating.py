"""Helpers for data migrations that give every profile new policy parameters.

Every profile (shipped and local copies) gains the parameters named: a shipped profile takes its
value from fangkong.policy.profiles, a local copy the value of the shipped profile it was copied
from (else the 20 measures'). Existing values are left as they are; going back removes the keys.
Used by policy 0005–0007 and movement 0002 (and any later app adding parameters the same way)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

DEFAULT_BASE = "twenty-measures"


def add_profile_parameters(apps: Any, keys: Sequence[str]) -> None:
    from fangkong.policy.profiles import PROFILES

    specs = {spec["code"]: spec["parameters"] for spec in PROFILES}
    Profile = apps.get_model("policy", "PolicyProfile")
    Parameter = apps.get_model("policy", "PolicyParameter")
    for profile in Profile.objects.all():
        base = profile
        while base.code not in specs and base.based_on_id:
            base = Profile.objects.get(pk=base.based_on_id)
        params = specs.get(base.code, specs[DEFAULT_BASE])
        for key in keys:
            value, unit, description, source = params[key]
            Parameter.objects.get_or_create(
                profile=profile, key=key, defaults={"value": value, "unit": unit, "description": description, "source": source}
            )


def remove_profile_parameters(apps: Any, keys: Sequence[str]) -> None:
    apps.get_model("policy", "PolicyParameter").objects.filter(key__in=list(keys)).delete()


def profile_parameters(keys: Sequence[str]) -> tuple[Callable[[Any, Any], None], Callable[[Any, Any], None]]:
    """(forward, backward) for `migrations.RunPython`: add `keys` to every profile / remove them."""
    keys = tuple(keys)

    def add(apps: Any, schema_editor: Any) -> None:
        add_profile_parameters(apps, keys)

    def remove(apps: Any, schema_editor: Any) -> None:
        remove_profile_parameters(apps, keys)

    return add, remove
