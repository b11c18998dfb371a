"""The home page's reads that every module contributes to (fangkong.core.modules): the landing panels
of the user's role, the facilities the user works for, and whether the user is granted places.

The page (fangkong.reports) asks here, so it imports no domain app: each module declares its panels
(LandingEntry.build, a dotted path) and its facility models in its registry.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string

from .modules import LandingPanel, registry
from .permissions import capabilities_of
from .scoping import jurisdiction_of

FACILITY_PREFIX = "facility:"


def landing_panels(*, user: Any, now: dt.datetime) -> list[LandingPanel]:
    """The panels of the user's role, in the modules' order; none for a role no module serves."""
    caps = capabilities_of(user)
    role = getattr(user, "role", "") or ""
    panels: list[LandingPanel] = []
    for entry in registry.landing(role, caps):
        panels.extend(import_string(entry.build)(user, now))
    return panels


def has_places(user: Any) -> bool:
    """Granted the city or a place (district … grid), not only facilities."""
    j = jurisdiction_of(user)
    return j.city or any(ids for level, ids in j.covered.items() if not level.startswith(FACILITY_PREFIX))


def facility_names(user: Any) -> list[str]:
    """The names of the facilities (laboratory, isolation site, hospital) the user is granted, by name."""
    j = jurisdiction_of(user)
    names: list[str] = []
    for kind, label in registry.facility_models().items():
        ids = j.covered.get(kind)
        if ids:
            model = apps.get_model(label)
            names += model.objects.filter(pk__in=sorted(ids)).order_by("name").values_list("name", flat=True)
    return names
