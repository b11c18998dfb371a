"""One plate rule for every vehicle (geo.plates)."""

from __future__ import annotations

import pytest

from fangkong.core.errors import DomainError
from fangkong.geo.plates import check_plate


@pytest.mark.parametrize(
    ("typed", "plate"), [("蒙A·12345", "蒙A12345"), ("蒙a 12345", "蒙A12345"), ("蒙A-K0518", "蒙AK0518"), ("蒙AD12345", "蒙AD12345")]
)
def test_a_plate_is_read_as_typed(typed, plate):
    assert check_plate(typed) == plate


@pytest.mark.parametrize("typed", ["ABC", "蒙A1234", "蒙112345", "AA12345", ""])
def test_a_malformed_plate_is_refused_on_its_field(typed):
    with pytest.raises(DomainError) as refused:
        check_plate(typed)
    assert refused.value.field == "plate" and "车牌号格式不对" in refused.value.message
