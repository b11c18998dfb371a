"""Reading files: encoding detection over the whole file, header aliases, broken files."""

from __future__ import annotations

import pytest

from fangkong.imports.readers import ImportFileError, detect_encoding, map_header, open_table

from .conftest import HEADER, row, write_csv, write_xlsx


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8-sig"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")])
def test_encoding_is_detected(tmp_path, encoding, expected):
    path = write_csv(tmp_path / "a.csv", [row("张三")], encoding=encoding)
    reader = open_table(path, "a.csv")
    try:
        assert reader.encoding == expected
        assert reader.header == HEADER
        assert [cells[8] for _, cells in reader.rows()] == ["张三"]
    finally:
        reader.close()


def test_a_gbk_character_far_into_the_file_is_still_detected(tmp_path):
    path = tmp_path / "late.csv"
    ascii_rows = "".join(f"a{i},b,c\n" for i in range(300_000)).encode()  # > 4 MiB of plain ASCII first
    path.write_bytes(",".join(HEADER).encode("gbk") + b"\n" + ascii_rows + "赵,钱,孙\n".encode("gbk"))
    assert detect_encoding(path) == ("gb18030", 300_002)


def test_row_numbers_follow_excel(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", [row("甲"), row("乙")])
    reader = open_table(path, "a.xlsx")
    try:
        assert [(n, cells[8]) for n, cells in reader.rows()] == [(2, "甲"), (3, "乙")]
    finally:
        reader.close()


def test_header_aliases_and_repeats():
    positions = map_header(["District", "街道", "社区", "小区", "楼号", "单元", "房号", "Name", "身份证号"])
    assert positions["street"] == 1 and positions["household"] == 6 and positions["id_number"] == 8
    with pytest.raises(ImportFileError, match="出现了两次"):
        map_header([*HEADER, "姓名"])


def test_old_xls_and_broken_xlsx_are_refused(tmp_path):
    with pytest.raises(ImportFileError, match="xls"):
        open_table(tmp_path / "a.xls", "a.xls")
    broken = tmp_path / "b.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ImportFileError, match="Excel"):
        open_table(broken, "b.xlsx")
