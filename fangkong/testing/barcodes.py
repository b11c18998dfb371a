"""The one rule for a tube barcode, wherever a barcode enters: the sampler's scan box, the door-to-door
check, home re-sampling, bulk bindings (page and API), lab receipt, lab result files (CSV, xlsx,
FHIR) and the API serializers.

A barcode is 1–40 characters of ASCII letters, digits, "-", "_" and "." (what tube labels print in
Code 128 / QR; the round's tube table holds 40). Whitespace around it is what a scanner adds (a
trailing Enter or Tab) and is dropped; anything else — a 41st character, a space inside, a control
character, a full-width or Chinese character — is refused, naming the rule and never echoing the
value (it may hold characters that break a page or a spreadsheet).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_LENGTH = 40
UNIQUE_RULE = "testing.barcode_unique"
_CHARSET = re.compile(r"[A-Za-z0-9._-]+")


class InvalidBarcode(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def barcode_problem(value: str) -> str | None:
    """Why `value` (already stripped) is not a barcode, or None when it is one."""
    if not value:
        return _("试管条码为空")
    if len(value) > MAX_LENGTH:
        return _("试管条码超过 %(max)s 位（本条 %(n)s 位）") % {"max": MAX_LENGTH, "n": len(value)}
    if not _CHARSET.fullmatch(value):
        return _("试管条码只能由英文字母、数字和 - _ . 组成（不能含空格、控制字符或中文）")
    return None


def barcode_used(barcode: str) -> str:
    """The refusal of a barcode that is already a tube of the round — the sampler's own or another
    sampling point's alike: it says nothing of that tube (its point, state or pooling)."""
    return _("试管条码 %(b)s 本轮已使用") % {"b": barcode}


def clean_barcode(value: Any) -> str:
    """The barcode without the whitespace a scanner adds, or InvalidBarcode saying what is wrong."""
    if value.__class__ is str and len(value) <= MAX_LENGTH and _CHARSET.fullmatch(value):
        return value  # already clean (a file's every row, checked again by the service)
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    problem = barcode_problem(text)
    if problem:
        raise InvalidBarcode(problem)
    return text


def validate_barcode(value: Any) -> None:
    """The same rule as a Django / DRF field validator."""
    try:
        clean_barcode(value)
    except InvalidBarcode as exc:
        raise ValidationError(exc.message, code="barcode") from exc
