"""What the services of the volunteers module share: the scope check and the transition check."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from fangkong.core.errors import PermissionRefused
from fangkong.core.transitions import check_transition

from ..choices import VOLUNTEER_TRANSITIONS, VolunteerStatus

SCOPE_RULE = "volunteers.scope"


def within(actor: Any, obj: models.Model, *, field: str = "") -> None:
    """`obj` lies inside the actor's grants; refused (as the same "not yours") otherwise."""
    if not type(obj).objects.visible_to(actor).filter(pk=obj.pk).exists():
        raise PermissionRefused(_("“%(o)s”不在您的管辖范围内") % {"o": obj}, rule=SCOPE_RULE, field=field)


def volunteer_move(current: str, target: str, *, action: str) -> None:
    check_transition(
        VOLUNTEER_TRANSITIONS, current, target, labels=VolunteerStatus, what=_("该志愿者"), action=action, rule="volunteers.status"
    )
