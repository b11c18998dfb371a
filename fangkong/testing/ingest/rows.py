"""A lab result as every format (CSV, xlsx, FHIR) delivers it to the service, and its field parsers."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.rows import RowError, RowsRefused
from fangkong.results.choices import Result
from fangkong.results.rules import ct_problem

from ..barcodes import InvalidBarcode, clean_barcode

RESULT_WORDS = {
    "阴性": Result.NEGATIVE,
    "negative": Result.NEGATIVE,
    "neg": Result.NEGATIVE,
    "-": Result.NEGATIVE,
    "未检出": Result.NEGATIVE,
    "阳性": Result.POSITIVE,
    "positive": Result.POSITIVE,
    "pos": Result.POSITIVE,
    "+": Result.POSITIVE,
    "检出": Result.POSITIVE,
    "无效": Result.INVALID,
    "invalid": Result.INVALID,
}


@dataclass
class ParsedRows:
    """What a parser read from a file: the rows that parsed, and every field of every row that did
    not (each problem of a row, not only its first). The service checks the rows further and reports
    both together, so one upload shows every error of the file."""

    rows: list[ResultRow]
    errors: list[RowError]

    def rows_or_refuse(self, *, rule: str) -> list[ResultRow]:
        if self.errors:
            raise RowsRefused(self.errors, rule=rule)
        return self.rows


class FieldProblem(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class ResultRow:
    """One tube's result as reported: `result` is what the lab says; Ct values decide by policy."""

    row: int
    barcode: str
    result: str
    ct_orf1ab: float | None
    ct_n: float | None
    reported_at: dt.datetime

    def same_as(self, result: str, ct_orf1ab: float | None, ct_n: float | None, reported_at: dt.datetime | None) -> bool:
        return (
            self.result == result
            and _same_ct(self.ct_orf1ab, ct_orf1ab)
            and _same_ct(self.ct_n, ct_n)
            and reported_at is not None
            and abs((self.reported_at - reported_at).total_seconds()) < 1
        )


def _same_ct(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) < 1e-6


def read_barcode(value: object, field: str) -> str:
    """The tube barcode of a row (fangkong.testing.barcodes, the one rule), or a FieldProblem naming `field`."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an Excel cell holding digits
    try:
        return clean_barcode(value)
    except InvalidBarcode as exc:
        raise FieldProblem(field, exc.message) from exc


def parse_result(value: object) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        return ""
    key = text.lower()
    if key not in RESULT_WORDS:
        raise FieldProblem("result", _("结果“%(v)s”应为 阴性/阳性/无效（negative/positive/invalid）") % {"v": text})
    return RESULT_WORDS[key]


def parse_ct(value: object, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip()
        if text in ("", "-", "/", "NA", "N/A", "无", "未检出", "undetermined", "Undetermined"):
            return None
        try:
            number = float(text)
        except ValueError as exc:
            raise FieldProblem(field, _("Ct 值“%(v)s”不是数字") % {"v": text}) from exc
    problem = ct_problem(number, field) if not math.isnan(number) else None
    if math.isnan(number) or problem is not None:
        raise FieldProblem(field, _("Ct 值 %(v)s 超出 0–50 的范围") % {"v": value})
    return number


def parse_datetime(value: object, field: str = "reported_at") -> dt.datetime:
    """ISO 8601 or "YYYY-MM-DD HH:MM[:SS]" or an Excel datetime; naive times are Beijing time."""
    if value.__class__ is str and len(value) == 19 and value[4] == "-" and value[7] == "-" and value[10] == " ":
        # "YYYY-MM-DD HH:MM:SS", what most lab files hold (20,000 rows a file): read directly
        try:
            return dt.datetime.fromisoformat(value).replace(tzinfo=timezone.get_default_timezone())
        except ValueError:
            pass  # read below, which names the problem
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value if value is not None else "").strip().replace("/", "-")
        if not text:
            raise FieldProblem(field, _("报告时间为空"))
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            moment = dt.datetime.fromisoformat(text.replace("T", " ", 1) if "T" in text else text)
        except ValueError as exc:
            raise FieldProblem(field, _("时间“%(v)s”格式应为 YYYY-MM-DD HH:MM[:SS]") % {"v": text}) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment
