"""A binding request's rows: the `Binding` a caller gives, the `BindReport` it gets back, each row's
own format (before anything is read), and the rules a row's refusal names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.clock import NOT_IN_FUTURE, future_message, is_future
from fangkong.core.rows import RowError, RowsRefused

from ...barcodes import InvalidBarcode, clean_barcode
from ...choices import PoolingMode

# The rules a row's refusal names: a number that is not a valid ID number, and a valid one that no
# registered person has (the sampling page then offers to register the person on the spot).
ID_NUMBER_RULE = "geo.id_number"
NOT_REGISTERED = "testing.person_not_registered"


@dataclass
class Binding:
    """One person into one tube. Give the person by ID number (as scanned) or by registry id."""

    barcode: str
    id_number: str = ""
    person_id: int | None = None
    sampled_at: dt.datetime | None = None
    sampling_point_id: int | None = None
    pooling_mode: str = ""
    row: int = 0


@dataclass
class BindReport:
    members_added: int
    tubes_opened: int
    tubes_closed: int
    closed_barcodes: list[str]


def check_format(rows: list[Binding], at: dt.datetime) -> None:
    """Each row on its own: a valid barcode, a person, a sampling time not in the future, a known mode."""
    errors: list[RowError] = []
    modes = set(PoolingMode.values)
    cleaned: dict[str, str] = {}  # a tube's rows share its barcode: each checked once
    for i, b in enumerate(rows, start=1):
        b.row = b.row or i
        try:
            b.barcode = (isinstance(b.barcode, str) and cleaned.get(b.barcode)) or _cleaned(b.barcode, cleaned)
        except InvalidBarcode as exc:
            errors.append(RowError(b.row, "barcode", exc.message))
        if b.person_id is None and not (b.id_number or "").strip():
            errors.append(RowError(b.row, "id_number", _("缺少证件号码")))
        b.sampled_at = b.sampled_at or at
        if is_future(b.sampled_at, at=at):
            errors.append(RowError(b.row, "sampled_at", future_message(b.sampled_at, label=_("采样时间")), NOT_IN_FUTURE))
        if b.pooling_mode and b.pooling_mode not in modes:
            errors.append(RowError(b.row, "pooling_mode", _("未知采样方式 %(m)s") % {"m": b.pooling_mode}))
    if errors:
        raise RowsRefused(errors, rule="testing.binding_format")


def _cleaned(barcode: object, cleaned: dict[str, str]) -> str:
    text = clean_barcode(barcode)
    if isinstance(barcode, str):
        cleaned[barcode] = text
    return text


def field_of(b: Binding) -> str:
    return "person_id" if b.person_id is not None else "id_number"
