"""Lab result parsers: CSV / xlsx / FHIR → validated ResultRows for services.results_ingest."""

from __future__ import annotations

from fangkong.core.rows import RowError, RowsRefused

from .fhir import parse_bundle
from .rows import ResultRow
from .tabular import parse_csv, parse_xlsx


def parse_upload(filename: str, data: bytes) -> list[ResultRow]:
    """Pick the parser by file name (.csv / .xlsx / .json)."""
    name = (filename or "").lower()
    if name.endswith(".csv") or name.endswith(".txt"):
        return parse_csv(data)
    if name.endswith(".xlsx"):
        return parse_xlsx(data)
    if name.endswith(".json"):
        return parse_bundle(data)
    raise RowsRefused([RowError(0, "file", "只接受 .csv、.xlsx 或 FHIR Bundle（.json）文件")], rule="testing.lab_file_format")


__all__ = ["ResultRow", "parse_bundle", "parse_csv", "parse_upload", "parse_xlsx"]
