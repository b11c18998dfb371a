from __future__ import annotations

from dataclasses import dataclass

import pytest

from fangkong.cases.choices import FacilityKind

from ..factories import make_person
from .factories import make_facility, make_facility_user


@dataclass
class Wards:
    hospital: object  # 新城区 designated hospital: 2 general beds, 1 ICU bed
    fangcang: object  # 回民区 Fangcang: 3 general beds
    hospital_user: object
    fangcang_user: object
    people: list  # residents of the home community (新城区)
    elsewhere: object  # a resident of 回民区


@pytest.fixture
def wards(city, users) -> Wards:
    hospital = make_facility("内蒙古自治区第四医院", FacilityKind.HOSPITAL, city.home.district, general=2, icu=1)
    fangcang = make_facility("会展中心方舱医院", FacilityKind.FANGCANG, city.elsewhere.district, general=3)
    people = list(city.home.household.members.order_by("pk"))
    people += [make_person(city.home.household, f"居民{i}") for i in range(4)]
    return Wards(
        hospital=hospital,
        fangcang=fangcang,
        hospital_user=make_facility_user("hospital", hospital),
        fangcang_user=make_facility_user("fangcang", fangcang),
        people=people,
        elsewhere=city.elsewhere.household.members.first(),
    )
