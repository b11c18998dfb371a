"""Lab result parsers: CSV / xlsx / FHIR → validated ResultRows for services.results_ingest."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from fangkong.core.rows import RowError, RowsRefused

from .fhir import parse_bundle, read_bundle
from .rows import ParsedRows, ResultRow
from .tabular import parse_csv, parse_xlsx, read_csv, read_xlsx

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "fhir"}
READERS = {"csv": read_csv, "xlsx": read_xlsx, "fhir": read_bundle}
RULES = {"csv": "testing.lab_file_format", "xlsx": "testing.lab_file_format", "fhir": "testing.fhir_bundle"}


def file_format(filename: str) -> str:
    """csv / xlsx / fhir from the file name (the one detection: page, API and job), or a refusal."""
    fmt = FORMATS.get(Path(filename or "").suffix.lower())
    if fmt is None:
        raise RowsRefused(
            [RowError(0, "file", _("只接受 .csv、.xlsx 或 FHIR Bundle（.json）文件；旧版 .xls 请另存为 .xlsx"))],
            rule="testing.lab_file_format",
        )
    return fmt


def read_upload(filename: str, data: bytes) -> ParsedRows:
    """Pick the reader by file name (.csv / .xlsx / .json): the rows that parse and every row error.
    A file that cannot be read at all (format, encoding, header) is refused here."""
    return READERS[file_format(filename)](data)


def parse_upload(filename: str, data: bytes) -> list[ResultRow]:
    """read_upload, refusing the file if any row has an error."""
    return read_upload(filename, data).rows_or_refuse(rule=RULES[file_format(filename)])


__all__ = [
    "ParsedRows",
    "ResultRow",
    "file_format",
    "parse_bundle",
    "parse_csv",
    "parse_upload",
    "parse_xlsx",
    "read_bundle",
    "read_csv",
    "read_upload",
    "read_xlsx",
]
