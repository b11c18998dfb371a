"""Builders for import files: rows in the template's columns, written as CSV (any encoding) or xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path

from fangkong.geo.idnumbers import make_resident_id
from fangkong.imports.readers import COLUMNS

HEADER = [c.header for c in COLUMNS]
_seq = itertools.count(1)


def new_id(district_code: str = "150102", sex: str = "M") -> str:
    """A valid ID number no other test helper hands out (born in the 1990s)."""
    n = next(_seq)
    birth = dt.date(1990, 1, 1) + dt.timedelta(days=n % 3000)
    sequence = (2 * (n // 3000 % 500)) + (1 if sex == "M" else 0)
    return make_resident_id(district_code, birth, sequence)


def row(
    name: str = "张三",
    id_number: str | None = None,
    *,
    district: str = "新城区",
    street: str = "中山东路街道",
    community: str = "迎宾南路社区",
    grid: str = "第一网格",
    compound: str = "迎宾小区",
    building: str = "3号楼",
    unit: str = "1单元",
    household: str = "301",
    id_type: str = "",
    sex: str = "",
    birth_date: str = "",
    phone: str = "",
    tags: str = "",
    **welfare: str,
) -> list[str]:
    values = {
        "district": district,
        "street": street,
        "community": community,
        "grid": grid,
        "compound": compound,
        "building": building,
        "unit": unit,
        "household": household,
        "name": name,
        "id_type": id_type,
        "id_number": new_id() if id_number is None else id_number,
        "sex": sex,
        "birth_date": birth_date,
        "phone": phone,
        "tags": tags,
        **welfare,  # hukou_code, family_status, disability_level, model_worker_level
    }
    return [values.get(c.key, "") for c in COLUMNS]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", header: list[str] | None = None) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header or HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], *, header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def big_csv(path: Path, people: int, *, district: str = "新城区", street: str = "中山东路街道", community: str = "迎宾南路社区") -> Path:
    """Many valid rows fast (for the kill test): 3 people per household, 10 households per unit."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        base = dt.date(1950, 1, 1)
        for i in range(people):
            number = make_resident_id("150102", base + dt.timedelta(days=(i * 7) % 20000), 500 + (i // 20000) % 400)
            h = i // 3
            writer.writerow(
                [district, street, community, "", "大批小区", f"{h // 200 + 1}号楼", f"{h // 10 % 20 + 1}单元", f"{h % 10 + 101}"]
                + [f"人{i}", "", number, "", "", "", ""]
            )
    return path
