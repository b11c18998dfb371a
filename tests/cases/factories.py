"""Builders for 快转 tests: facilities with beds, hospital users, cases opened by hand, a policy switch."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from fangkong.accounts.models import Grant
from fangkong.cases.choices import BedType, CaseSource, Classification, FacilityKind
from fangkong.cases.models import FacilityBeds, Transfer, TreatmentFacility
from fangkong.cases.services import case_open_by_hand
from fangkong.core.roles import Role
from fangkong.policy.models import PolicyProfile

from ..factories import make_user

BEIJING = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2022, 11, 14, 8, 0, tzinfo=BEIJING)  # the morning of the seed's press conference


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def make_facility(name: str, kind: str, district, general: int = 0, icu: int = 0, **rules) -> TreatmentFacility:
    facility = TreatmentFacility.objects.create(name=name, kind=kind, district=district, address=f"{name}地址", contact="值班室", **rules)
    for bed_type, capacity in ((BedType.GENERAL, general), (BedType.ICU, icu)):
        if capacity:
            FacilityBeds.objects.create(facility=facility, bed_type=bed_type, capacity=capacity)
    return facility


def make_facility_user(username: str, facility: TreatmentFacility):
    user = make_user(username, Role.HOSPITAL_STAFF)
    Grant.objects.create(user=user, level="facility", facility_kind="treatment", place_id=facility.pk)
    return user


def beds(facility: TreatmentFacility, bed_type: str = BedType.GENERAL) -> tuple[int, int]:
    b = FacilityBeds.objects.get(facility=facility, bed_type=bed_type)
    return b.occupied, b.capacity


def open_case(actor, person, classification: str = Classification.MILD, confirmed_at: dt.datetime | None = None, **kwargs):
    return case_open_by_hand(
        actor=actor,
        person=person,
        classification=classification,
        confirmed_at=confirmed_at or at(0),
        source=kwargs.pop("source", CaseSource.HOSPITAL_REPORT),
        source_note=kwargs.pop("source_note", "市第一医院发热门诊报告"),
        **kwargs,
    )


def board_transfer(case) -> Transfer:
    return Transfer.objects.get(case=case, status__in=("awaiting", "dispatched", "picked_up"))


def activate_profile(code: str) -> PolicyProfile:
    PolicyProfile.objects.update(is_active=False)
    PolicyProfile.objects.filter(code=code).update(is_active=True)
    return PolicyProfile.objects.get(code=code)


KINDS = FacilityKind
