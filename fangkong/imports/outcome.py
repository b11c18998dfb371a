"""What an import produces: the row-error report (streamed to a CSV file) and the counts."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from fangkong.core.crypto import mask_id_number
from fangkong.core.filestore import CHUNK, private_storage
from fangkong.core.spreadsheets import SafeCsvWriter

from .readers import HEADER_OF

ERROR_HEADER = ["行号", "列", "内容", "错误原因"]


class ErrorReport:
    """Row errors streamed to a CSV file (UTF-8 with BOM so Excel opens it), never held in memory.

    The file is a private one (fangkong.core.filestore: encrypted, mode 0600, never served) at
    `name`; every cell goes through the spreadsheet neutraliser."""

    def __init__(self, name: str) -> None:
        self.name = name
        raw = private_storage().create(name)
        self._fh = io.TextIOWrapper(io.BufferedWriter(raw, buffer_size=CHUNK), encoding="utf-8-sig", newline="")
        self._writer = SafeCsvWriter(self._fh)
        self._writer.writerow(ERROR_HEADER)
        self.count = 0

    def add(self, row: int, column_key: str, value: str, reason: str) -> None:
        # The report is kept and downloaded later: it shows personal values as the pages do. A birth
        # date keeps only its year — with the masked number it would be the whole ID (decision 0005).
        if column_key == "id_number" and value:
            value = mask_id_number(value.strip())
        elif column_key == "phone" and value:
            value = value.strip()[:3] + "****"
        elif column_key == "birth_date" and value:
            value = value.strip()[:4] + "-**-**"
        self._writer.writerow([row, HEADER_OF.get(column_key, column_key), value, reason])
        self.count += 1

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


@dataclass
class ImportResult:
    mode: str
    rows_total: int = 0
    rows_valid: int = 0
    rows_with_errors: int = 0
    error_count: int = 0
    people_created: int = 0
    households_created: int = 0
    places_created: dict[str, int] = field(default_factory=dict)
    committed: bool = False
    rolled_back: bool = False

    @property
    def places_total(self) -> int:
        return sum(self.places_created.values())

    def counts(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "rows": self.rows_total,
            "rows_valid": self.rows_valid,
            "errors": self.error_count,
            "rows_with_errors": self.rows_with_errors,
            "people_created": self.people_created,
            "households_created": self.households_created,
            "places_created": self.places_total,
            "places_by_level": dict(self.places_created),
        }
