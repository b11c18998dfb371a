"""Free text typed into a form or an API body: trimmed, required or not, not longer than its column.
One rule for every service, the refusal naming the field (core.errors.DomainError)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import DomainError


def clean_text(raw: str | None, *, field: str, label: str, required: bool = True, max_length: int = 64) -> str:
    """`raw` stripped; refused when required and empty, or longer than `max_length` characters."""
    text = (raw or "").strip()
    if required and not text:
        raise DomainError(_("请填写%(label)s") % {"label": label}, field=field)
    if len(text) > max_length:
        raise DomainError(_("%(label)s不能超过 %(n)s 个字") % {"label": label, "n": max_length}, field=field)
    return text
