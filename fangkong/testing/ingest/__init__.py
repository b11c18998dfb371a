"""Lab result parsers: CSV / xlsx / FHIR → validated ResultRows for services.results_ingest."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from fangkong.core.rows import RowError, RowsRefused

from .fhir import parse_bundle
from .rows import ResultRow
from .tabular import parse_csv, parse_xlsx

FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "fhir"}
PARSERS = {"csv": parse_csv, "xlsx": parse_xlsx, "fhir": parse_bundle}


def file_format(filename: str) -> str:
    """csv / xlsx / fhir from the file name (the one detection: page, API and job), or a refusal."""
    fmt = FORMATS.get(Path(filename or "").suffix.lower())
    if fmt is None:
        raise RowsRefused(
            [RowError(0, "file", _("只接受 .csv、.xlsx 或 FHIR Bundle（.json）文件；旧版 .xls 请另存为 .xlsx"))],
            rule="testing.lab_file_format",
        )
    return fmt


def parse_upload(filename: str, data: bytes) -> list[ResultRow]:
    """Pick the parser by file name (.csv / .xlsx / .json)."""
    return PARSERS[file_format(filename)](data)


__all__ = ["ResultRow", "file_format", "parse_bundle", "parse_csv", "parse_upload", "parse_xlsx"]
