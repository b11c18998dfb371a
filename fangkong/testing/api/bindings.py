"""Parsing a bulk-bindings request: thousands of rows, checked by hand (no serializer per row).

A sampling app posts either a JSON array of rows, or an object
    {"sampling_point": 12, "pooling_mode": "pooled_10", "partial": false, "bindings": [rows…]}
Each row: {barcode, id_number | person_id, sampling_point?, sampled_at?, pooling_mode?}. Every
format problem is reported at once, naming the row (counted from 1) and the field, in the same
RowsRefused that services.bulk_bind raises for the rules it checks.
"""

from __future__ import annotations

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
    for row, item in enumerate(rows, start=1):
        if not isinstance(item, dict):
            errors.append(RowError(row, "row", _("应为对象")))
            continue
        bad = len(errors)
        unknown = item.keys() - ROW_FIELDS
        for key in sorted(unknown):
            errors.append(RowError(row, key, _("未知字段")))
        barcode = _text(item.get("barcode"))
        if barcode is None:
            errors.append(RowError(row, "barcode", _("缺少试管条码")))
        id_number = item.get("id_number")
        person_id = item.get("person_id")
        if id_number is not None and person_id is not None:
            errors.append(RowError(row, "person_id", _("id_number 与 person_id 只能给出一个")))
        if person_id is not None and not _is_int(person_id):
            errors.append(RowError(row, "person_id", _("应为人员编号（整数）")))
        id_text = _text(id_number) if id_number is not None else ""
        if id_text is None:
            errors.append(RowError(row, "id_number", _("应为字符串")))
        point = item.get("sampling_point")
        if point is not None and not _is_int(point):
            errors.append(RowError(row, "sampling_point", _("应为采样点编号（整数）")))
        sampled_at = None
        raw_time = item.get("sampled_at")
        if raw_time is not None:
            try:
                sampled_at = parse_moment(raw_time) if isinstance(raw_time, str) else None
            except ValueError:
                sampled_at = None
            if sampled_at is None:
                errors.append(RowError(row, "sampled_at", _("时间“%(v)s”应为 ISO 8601，例如 2022-02-25T09:30:00+08:00") % {"v": raw_time}))
        mode = item.get("pooling_mode")
        if mode is not None and not isinstance(mode, str):
            errors.append(RowError(row, "pooling_mode", _("应为字符串")))
        if len(errors) > bad:
            continue
        bindings.append(
            Binding(
                barcode=barcode,
                id_number=id_text or "",
                person_id=person_id,
                sampled_at=sampled_at,
                sampling_point_id=point,
                pooling_mode=mode or "",
                row=row,
            )
        )
    if errors and not options.get("partial"):
        raise RowsRefused(errors, rule=RULE)
    return BindingRequest(bindings=bindings, errors=errors, **options)
