"""A site's and its staff's phone numbers go through the registry's one phone rule
(geo.idnumbers.phone_field), as every other service that takes a phone does: they were stored as typed."""

from __future__ import annotations

import pytest

from fangkong.core.errors import DomainError
from fangkong.isolation.choices import StaffDuty
from fangkong.isolation.services import site_create, staff_add

pytestmark = pytest.mark.django_db


def test_a_sites_phone_is_checked_and_stored_in_one_form(city, users):
    site = site_create(actor=users["command"], name="如家酒店隔离点", community=city.home.community, phone="139 1234 5678")
    assert site.phone == "13912345678"
    with pytest.raises(DomainError) as refused:
        site_create(actor=users["command"], name="锦江之星隔离点", community=city.home.community, phone="12345")
    assert refused.value.field == "phone"
    assert site_create(actor=users["command"], name="汉庭隔离点", community=city.home.community).phone == ""


def test_a_staff_members_phone_is_checked(city, users):
    site = site_create(actor=users["command"], name="如家酒店隔离点", community=city.home.community)
    assert staff_add(actor=users["command"], site=site, name="王医生", duty=StaffDuty.values[0], phone="13912345678").phone == "13912345678"
    with pytest.raises(DomainError) as refused:
        staff_add(actor=users["command"], site=site, name="李护士", duty=StaffDuty.values[0], phone="abc")
    assert refused.value.field == "phone"
