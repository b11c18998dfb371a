"""A notification's words in the reader's language, from its message key and params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from .rules import rules


def _fill(template: Any, params: Mapping[str, Any], labels: Mapping[str, Any]) -> str:
    values = {}
    for name, value in params.items():
        choices = labels.get(name)
        if choices is not None and value in choices.values:
            value = str(choices(value).label)
        values[name] = value
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)


def title_and_text(message_key: str, params: Mapping[str, Any]) -> tuple[str, str]:
    """(title, text) in the active language; a message no module registers any more says so."""
    message = rules.message(message_key)
    if message is None:
        return _("通知"), message_key
    return _fill(message.title, params, message.labels), _fill(message.text, params, message.labels)
