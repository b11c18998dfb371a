"""The volunteers' .xlsx import goes through the same guard as every other spreadsheet reader
(core.xlsxguard): a shared-strings bomb is refused on the file field before openpyxl opens it."""

from __future__ import annotations

from fangkong.core.errors import DomainError
from fangkong.volunteers.services import read_xlsx

from ..core.test_xlsxguard import bomb, measured


def test_a_bomb_is_refused_on_the_file_without_inflating_it():
    refused, peak, _seconds = measured(lambda: read_xlsx(bomb(300)))
    assert isinstance(refused, DomainError) and refused.field == "file" and "解压后过大" in refused.message
    assert peak < 50 * 1024 * 1024
