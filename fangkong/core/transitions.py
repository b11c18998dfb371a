"""The state machines' one check: a move the transition table (each app's choices.py) does not allow
is refused, naming the current state in the user's words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from .errors import DomainError


def check_transition(table: Mapping[str, Any], current: str, target: str, *, labels: Any, what: str, action: str, rule: str) -> None:
    """`labels` is the status TextChoices; `what` names the object ("病例", "转运", "该人员"), `action` the verb."""
    if target not in table.get(current, ()):
        raise DomainError(
            _("%(what)s当前为“%(cur)s”，不能%(action)s") % {"what": what, "cur": labels(current).label, "action": action},
            rule=rule,
        )
