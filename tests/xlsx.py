"""Reading an exported list back (fangkong.core.exports)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_rows(response) -> list[tuple]:
    """The rows of the export's first sheet, header first; asserts it is an .xlsx attachment."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].isascii() and "attachment" in response["Content-Disposition"]
    data = b"".join(response.streaming_content)
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(row) for row in wb.worksheets[0].iter_rows(values_only=True)]
