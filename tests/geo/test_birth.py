"""geo.birth: the years kept in clear, the sealed date, and the one exact-age function rules use."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from fangkong.core.crypto import Sealer, decrypt
from fangkong.geo.birth import (
    age_at,
    age_on,
    ages_at,
    birth_years_label,
    person_age_at,
    person_birth_date,
    public_birth_years,
)
from fangkong.geo.idnumbers import make_resident_id
from fangkong.geo.models import Person
from fangkong.geo.records import FieldError, build_person_record
from fangkong.geo.services import person_create

BEIJING = ZoneInfo("Asia/Shanghai")
D = dt.date


@pytest.mark.parametrize(
    "birth,recorded_on,expected",
    [
        (D(1981, 6, 9), D(2022, 1, 5), (1981, 1981)),  # everyone but babies: the year
        (D(2022, 1, 2), D(2022, 1, 5), (2021, 2022)),  # born this year, recorded in Q1: a range
        (D(2021, 12, 30), D(2022, 3, 31), (2021, 2022)),  # born last year, recorded in Q1: the same range
        (D(2020, 12, 30), D(2022, 3, 31), (2020, 2020)),  # two years back: the year
        (D(2022, 1, 2), D(2022, 4, 1), (2022, 2022)),  # recorded after Q1: ≥ 91 days to choose from
        (D(2021, 5, 1), D(2022, 4, 1), (2021, 2021)),
        (None, D(2022, 1, 5), (None, None)),
    ],
)
def test_public_birth_years(birth, recorded_on, expected):
    assert public_birth_years(birth, recorded_on) == expected


def test_labels_say_the_year_never_a_date():
    assert birth_years_label(1981, 1981) == "1981 年生"
    assert birth_years_label(2021, 2022) == "2021–2022 年生"
    assert birth_years_label(None, None) == ""


def test_age_in_full_years_and_on_a_leap_day():
    assert age_on(D(1990, 3, 7), D(2022, 3, 6)) == 31
    assert age_on(D(1990, 3, 7), D(2022, 3, 7)) == 32
    assert age_on(D(2000, 2, 29), D(2022, 2, 28)) == 21
    assert age_on(D(2000, 2, 29), D(2022, 3, 1)) == 22
    assert age_on(None, D(2022, 3, 1)) is None


def test_age_at_a_time_reads_the_local_date():
    birth = D(1957, 3, 8)
    evening_utc = dt.datetime(2022, 3, 7, 17, 0, tzinfo=dt.UTC)  # 8 March 01:00 in Beijing: the birthday
    assert age_at(birth, evening_utc) == 65
    assert age_at(birth, dt.datetime(2022, 3, 7, 15, 0, tzinfo=dt.UTC)) == 64


@pytest.mark.django_db
def test_person_age_decrypts_the_resident_id(city, users):
    number = make_resident_id("150102", D(1957, 3, 8), 13)
    person = person_create(actor=users["community"], household=city.home.household, name="高龄", id_type="resident_id", id_number=number)
    person = Person.objects.get(pk=person.pk)
    assert (person.birth_year, person.birth_cipher) == (1957, "")
    assert person_birth_date(person) == D(1957, 3, 8)
    assert person_age_at(person, dt.datetime(2022, 3, 8, 9, 0, tzinfo=BEIJING)) == 65
    assert person_age_at(person, dt.datetime(2022, 3, 7, 23, 0, tzinfo=BEIJING)) == 64
    rows = Person.objects.filter(pk=person.pk).values_list("pk", "id_type", "id_cipher", "birth_cipher")
    assert ages_at(rows, D(2022, 3, 8)) == {person.pk: 65}


@pytest.mark.django_db
def test_a_passport_keeps_its_birth_date_sealed(city, users):
    person = person_create(
        actor=users["community"], household=None, name="Anna", id_type="passport", id_number="E12345678", birth_date=D(1980, 2, 3)
    )
    person = Person.objects.get(pk=person.pk)
    assert (person.birth_year, person.birth_year_to) == (1980, 1980)
    assert person.birth_cipher and "1980-02-03" not in person.birth_cipher and decrypt(person.birth_cipher) == "1980-02-03"
    assert person_birth_date(person) == D(1980, 2, 3)
    nameless = person_create(actor=users["community"], household=None, name="Ben", id_type="passport", id_number="E12345679")
    assert (nameless.birth_year, nameless.birth_cipher) == (None, "") and person_birth_date(nameless) is None


def test_a_birth_date_must_be_plausible_for_any_document():
    with pytest.raises(FieldError) as err:
        build_person_record(Sealer(), name="Anna", id_type="passport", id_number="E12345678", birth_date=D(2999, 1, 1))
    assert err.value.field == "birth_date"
    with pytest.raises(FieldError) as err:  # a resident ID's date must agree, and the message names no date
        number = make_resident_id("150102", D(1990, 3, 7), 11)
        build_person_record(Sealer(), name="甲", id_type="resident_id", id_number=number, birth_date=D(1990, 3, 8))
    assert err.value.field == "birth_date" and "1990" not in err.value.message
