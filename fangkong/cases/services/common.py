"""Shared pieces of the 快转 services: scope checks, beds, test results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.timefmt import local_minutes

from ..choices import BedType
from ..models import Case, FacilityBeds, TreatmentFacility
from ..querysets import TREATMENT_GRANT


def local(value: dt.datetime | None) -> str:
    """A time as people read it here: local (Asia/Shanghai), to the minute."""
    return local_minutes(value)


def ensure_case_visible(actor: Any, case: Case) -> None:
    """Outside the actor's jurisdiction a case does not exist for them."""
    if actor is None:
        return
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionRefused(_("该病例不在您的管辖范围内"), rule="cases.case_scope")


def covers_facility(actor: Any, facility_id: int | None) -> bool:
    if actor is None:
        return True
    j = jurisdiction_of(actor)
    return j.covers(TREATMENT_GRANT, facility_id)


def ensure_facility_covered(actor: Any, facility: TreatmentFacility) -> None:
    if not covers_facility(actor, facility.pk):
        raise PermissionRefused(_("您不属于“%(f)s”，不能代其办理") % {"f": facility.name}, rule="cases.facility_scope")


# ---- beds: the only two writes to FacilityBeds.occupied outside the facility admin ----


def beds_take(facility: TreatmentFacility, bed_type: str) -> None:
    """Take one bed with a conditional UPDATE (… WHERE occupied < capacity): of two admissions racing
    for the last bed exactly one matches the row; the other is refused. Raises when full."""
    taken = FacilityBeds.objects.filter(facility=facility, bed_type=bed_type, occupied__lt=F("capacity")).update(
        occupied=F("occupied") + 1, updated_at=now()
    )
    if taken:
        return
    beds = FacilityBeds.objects.filter(facility=facility, bed_type=bed_type).first()
    shown = f"{beds.occupied}/{beds.capacity}" if beds else "0/0"
    raise DomainError(
        _("“%(f)s”%(bed)s已满（在院/床位 %(shown)s），不能收治") % {"f": facility.name, "bed": BedType(bed_type).label, "shown": shown},
        rule="cases.bed_capacity",
        source=f"{facility.name} {BedType(bed_type).label} {shown}",
    )


def beds_release(facility_id: int | None, bed_type: str) -> None:
    if facility_id is None or not bed_type:
        return
    FacilityBeds.objects.filter(facility_id=facility_id, bed_type=bed_type, occupied__gt=0).update(
        occupied=F("occupied") - 1, updated_at=now()
    )
