"""Parsing a bulk-bindings request: thousands of rows, checked by hand (no serializer per row).

A sampling app posts either a JSON array of rows, or an object
    {"sampling_point": 12, "pooling_mode": "pooled_10", "partial": false, "bindings": [rows…]}
Each row: {barcode, id_number | person_id, sampling_point?, sampled_at?, pooling_mode?}. Every
format problem is reported at once, naming the row (counted from 1) and the field, in the same
RowsRefused that services.bulk_bind raises for the rules it checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.api import parse_moment

from ..services import Binding, RowError, RowsRefused

MAX_BINDINGS = 50_000
ROW_FIELDS = frozenset({"barcode", "id_number", "person_id", "sampling_point", "sampled_at", "pooling_mode"})
REQUEST_FIELDS = frozenset({"sampling_point", "pooling_mode", "partial", "bindings"})
RULE = "testing.binding_format"


@dataclass
class BindingRequest:
    bindings: list[Binding]
    sampling_point_id: int | None = None
    pooling_mode: str = ""
    partial: bool = False
    errors: list[RowError] = field(default_factory=list)  # rows refused while parsing (partial mode)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> str | None:
    """A string value, or None when the value is not a string (numbers are taken as their digits)."""
    if isinstance(value, str):
        return value
    if _is_int(value):
        return str(value)
    return None


def parse_binding_request(data: Any) -> BindingRequest:
    """The request as bindings for services.bulk_bind; raise RowsRefused listing every problem.

    With `partial` the rows at fault are left out and returned in `errors` instead (unless the
    request as a whole is at fault)."""
    request_errors: list[RowError] = []
    options: dict[str, Any] = {}
    if isinstance(data, dict):
        for key in sorted(set(data) - REQUEST_FIELDS):
            request_errors.append(RowError(0, key, _("未知字段")))
        point = data.get("sampling_point")
        if point is not None and not _is_int(point):
            request_errors.append(RowError(0, "sampling_point", _("应为采样点编号（整数）")))
        mode = data.get("pooling_mode") or ""
        if not isinstance(mode, str):
            request_errors.append(RowError(0, "pooling_mode", _("应为字符串")))
        partial = data.get("partial", False)
        if not isinstance(partial, bool):
            request_errors.append(RowError(0, "partial", _("应为 true 或 false")))
        options = {"sampling_point_id": point if _is_int(point) else None, "pooling_mode": mode if isinstance(mode, str) else ""}
        options["partial"] = partial is True
        rows = data.get("bindings")
    else:
        rows = data
    if rows is None:  # a body of `null`, or an object without the bindings
        request_errors.append(RowError(0, "bindings", _("缺少 bindings")))
    elif not isinstance(rows, list):
        request_errors.append(RowError(0, "bindings", _("应为数组")))
    elif not rows:
        request_errors.append(RowError(0, "bindings", _("没有任何采样记录")))
    elif len(rows) > MAX_BINDINGS:
        request_errors.append(RowError(0, "bindings", _("一次最多提交 %(max)s 条，本次 %(n)s 条") % {"max": MAX_BINDINGS, "n": len(rows)}))
    if request_errors:
        raise RowsRefused(request_errors, rule=RULE)

    errors: list[RowError] = []
    bindings: list[Binding] = []
    moments: dict[str, dt.datetime | None] = {}  # a tube's rows share its swab time: each text parsed once
    for row, item in enumerate(rows, start=1):
        binding = _well_formed(row, item, moments)
        if binding is None:
            row_errors = _row_errors(row, item)
            if row_errors:
                errors += row_errors
                continue
            binding = _binding(row, item)
        bindings.append(binding)
    if errors and not options.get("partial"):
        raise RowsRefused(errors, rule=RULE)
    return BindingRequest(bindings=bindings, errors=errors, **options)


def _moment(text: str, moments: dict[str, dt.datetime | None]) -> dt.datetime | None:
    if text in moments:
        return moments[text]
    try:
        moment = parse_moment(text)
    except ValueError:
        moment = None
    moments[text] = moment
    return moment


def _well_formed(row: int, item: Any, moments: dict[str, dt.datetime | None]) -> Binding | None:
    """The common row — known fields of the expected types, a barcode and an ID number as strings —
    as its binding, checked in a few steps; None for any other row (`_row_errors` then looks at it
    field by field). 50,000 rows a request: this is the loop a request's parse spends its time in."""
    if type(item) is not dict or not item.keys() <= ROW_FIELDS:
        return None
    get = item.get
    barcode, id_number, point, raw_time, mode = (
        get("barcode"),
        get("id_number"),
        get("sampling_point"),
        get("sampled_at"),
        get("pooling_mode"),
    )
    if type(barcode) is not str or type(id_number) is not str or get("person_id") is not None:
        return None
    if not (point is None or type(point) is int) or not (mode is None or type(mode) is str):
        return None
    sampled_at = None
    if raw_time is not None:
        sampled_at = _moment(raw_time, moments) if type(raw_time) is str else None
        if sampled_at is None:
            return None
    return Binding(barcode, id_number, None, sampled_at, point, mode or "", row)


def _row_errors(row: int, item: Any) -> list[RowError]:
    """Every problem of one row, each naming its field."""
    if not isinstance(item, dict):
        return [RowError(row, "row", _("应为对象"))]
    errors = [RowError(row, key, _("未知字段")) for key in sorted(item.keys() - ROW_FIELDS)]
    if _text(item.get("barcode")) is None:
        errors.append(RowError(row, "barcode", _("缺少试管条码")))
    id_number = item.get("id_number")
    person_id = item.get("person_id")
    if id_number is not None and person_id is not None:
        errors.append(RowError(row, "person_id", _("id_number 与 person_id 只能给出一个")))
    if person_id is not None and not _is_int(person_id):
        errors.append(RowError(row, "person_id", _("应为人员编号（整数）")))
    if id_number is not None and _text(id_number) is None:
        errors.append(RowError(row, "id_number", _("应为字符串")))
    point = item.get("sampling_point")
    if point is not None and not _is_int(point):
        errors.append(RowError(row, "sampling_point", _("应为采样点编号（整数）")))
    raw_time = item.get("sampled_at")
    if raw_time is not None and _parsed_time(raw_time) is None:
        errors.append(RowError(row, "sampled_at", _("时间“%(v)s”应为 ISO 8601，例如 2022-02-25T09:30:00+08:00") % {"v": raw_time}))
    mode = item.get("pooling_mode")
    if mode is not None and not isinstance(mode, str):
        errors.append(RowError(row, "pooling_mode", _("应为字符串")))
    return errors


def _parsed_time(raw_time: Any) -> dt.datetime | None:
    try:
        return parse_moment(raw_time) if isinstance(raw_time, str) else None
    except ValueError:
        return None


def _binding(row: int, item: dict) -> Binding:
    """A row `_row_errors` found nothing wrong with (numbers given for the barcode or ID number are
    taken as their digits)."""
    id_number = item.get("id_number")
    raw_time = item.get("sampled_at")
    return Binding(
        barcode=_text(item.get("barcode")) or "",
        id_number=(_text(id_number) if id_number is not None else "") or "",
        person_id=item.get("person_id"),
        sampled_at=_parsed_time(raw_time) if raw_time is not None else None,
        sampling_point_id=item.get("sampling_point"),
        pooling_mode=item.get("pooling_mode") or "",
        row=row,
    )
