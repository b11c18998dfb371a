import datetime as dt

import pytest

from fangkong.geo.idnumbers import InvalidDocument, make_resident_id, normalise_phone, parse_resident_id, validate_document

# 11010519491231002X is the worked example printed in GB 11643-1999 itself; the others end in the
# check character the standard's weights give (computed independently when the test was written).
VALID = ["11010519491231002X", "150102199003071237", "150105200001010013", "150121196502280047"]


@pytest.mark.parametrize("number", VALID)
def test_valid_resident_ids(number):
    facts = parse_resident_id(number)
    assert facts.region_code == number[:6]


def test_facts_from_id():
    facts = parse_resident_id("11010519491231002X")
    assert facts.birth_date == dt.date(1949, 12, 31)
    assert facts.sex == "F"


@pytest.mark.parametrize(
    "number,fragment",
    [
        ("110105194912310021", "校验位"),  # wrong check digit
        ("11010519491231002", "18 位"),  # too short
        ("99010519491231002X", "地区码"),  # no such province
        ("110105194913310024", "出生日期"),  # month 13
        ("1101051949123100AX", "17 位"),  # letters
        ("110105290012310023", "出生日期"),  # born in the future
    ],
)
def test_invalid_resident_ids(number, fragment):
    with pytest.raises(InvalidDocument, match=fragment):
        parse_resident_id(number)


def test_make_resident_id_round_trip():
    number = make_resident_id("150102", dt.date(1990, 3, 7), 123)
    assert parse_resident_id(number).sex == "M"


@pytest.mark.parametrize(
    "id_type,value,ok",
    [
        ("passport", "E12345678", True),
        ("passport", "ABC", False),
        ("hk_macau_pass", "H12345678", True),
        ("hk_macau_pass", "X12345678", False),
        ("taiwan_pass", "12345678", True),
        ("taiwan_pass", "1234567", False),
    ],
)
def test_other_documents(id_type, value, ok):
    if ok:
        assert validate_document(id_type, value) == value
    else:
        with pytest.raises(InvalidDocument):
            validate_document(id_type, value)


def test_phone_normalisation():
    assert normalise_phone("+86 138-0000-1111") == "13800001111"
    assert normalise_phone("0471-6612345") == "04716612345"
    with pytest.raises(InvalidDocument):
        normalise_phone("12345")


@pytest.mark.parametrize("beijing", ["00:05", "07:55", "23:55"])
def test_a_birth_today_in_beijing_is_not_later_than_today(beijing):
    """The newest resident born today (Beijing) is registered at any hour: "later than today" is
    judged on Beijing's date, not the server's UTC date (they differ from 00:00 to 08:00 Beijing)."""
    from zoneinfo import ZoneInfo

    import time_machine

    from fangkong.geo.idnumbers import check_id_input

    hour, minute = map(int, beijing.split(":"))
    now = dt.datetime(2026, 12, 7, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai"))
    number = make_resident_id("150102", now.date(), 1)
    with time_machine.travel(now, tick=False):
        assert check_id_input(number) == number
        assert parse_resident_id(number).birth_date == now.date()
        with pytest.raises(InvalidDocument):
            check_id_input(make_resident_id("150102", now.date() + dt.timedelta(days=1), 1))
