"""Treatment facilities (定点医院, 方舱医院) and their beds; the facility options triage sees."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.models import District

from .. import events
from ..choices import TRANSFER_EN_ROUTE, BedType, Classification, FacilityKind
from ..models import FacilityBeds, Transfer, TreatmentFacility
from ..permissions import CasesCap
from .triage import FacilityOption

EDITABLE = ("name", "address", "contact", "is_active", "admission_classes", "admits_high_risk", "max_age", "admission_note")


def _require_city(actor: Any) -> None:
    if not jurisdiction_of(actor).city:
        raise PermissionRefused(_("定点医院、方舱医院由市指挥部设置"), rule="cases.facility_city")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise DomainError(_("请填写名称"), field="name")
    if "admission_classes" in values:
        classes = list(values["admission_classes"] or [])
        unknown = [c for c in classes if c not in Classification.values]
        if unknown:
            raise DomainError(_("未知的分型：%(c)s") % {"c": "、".join(unknown)}, field="admission_classes")
        values["admission_classes"] = [c for c in Classification.values if c in classes]
    return values


@transaction.atomic
def facility_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    district: District,
    address: str = "",
    contact: str = "",
    admission_classes: Iterable[str] = (),
    admits_high_risk: bool | None = None,
    max_age: int | None = None,
    admission_note: str = "",
    beds: Mapping[str, int] | None = None,
) -> TreatmentFacility:
    """A designated hospital or a Fangcang, with its beds by type ({"general": 800, "icu": 40})."""
    require(actor, CasesCap.FACILITY)
    _require_city(actor)
    if kind not in FacilityKind.values:
        raise DomainError(_("未知的机构类型"), field="kind")
    values = _clean(
        {
            "name": name,
            "address": address,
            "contact": contact,
            "admission_classes": list(admission_classes),
            "admits_high_risk": admits_high_risk,
            "max_age": max_age,
            "admission_note": admission_note,
        }
    )
    if TreatmentFacility.objects.filter(name=values["name"]).exists():
        raise DomainError(_("“%(n)s”已存在") % {"n": values["name"]}, field="name", rule="cases.facility_unique_name")
    facility = TreatmentFacility.objects.create(kind=kind, district=district, **values)
    for bed_type, capacity in (beds or {}).items():
        if bed_type not in BedType.values or capacity < 0:
            raise DomainError(_("床位类型或数量有误"), field="beds")
        FacilityBeds.objects.create(facility=facility, bed_type=bed_type, capacity=capacity)
    audit_record(
        actor=actor,
        event_type=events.FACILITY_SAVED,
        obj=facility,
        after={"kind": kind, "district": district.name, **values, "beds": dict(beds or {})},
    )
    return facility


@transaction.atomic
def facility_update(*, actor: Any, facility: TreatmentFacility, **changes: Any) -> TreatmentFacility:
    """Change a facility's details or admission rules (the fields named in EDITABLE)."""
    require(actor, CasesCap.FACILITY)
    _require_city(actor)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(_("不能修改：%(f)s") % {"f": "、".join(sorted(unknown))}, field=sorted(unknown)[0])
    facility = TreatmentFacility.objects.select_for_update().get(pk=facility.pk)
    changes = _clean(dict(changes))
    if "name" in changes and TreatmentFacility.objects.filter(name=changes["name"]).exclude(pk=facility.pk).exists():
        raise DomainError(_("“%(n)s”已存在") % {"n": changes["name"]}, field="name", rule="cases.facility_unique_name")
    before = {k: getattr(facility, k) for k in changes}
    for k, v in changes.items():
        setattr(facility, k, v)
    facility.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=actor, event_type=events.FACILITY_SAVED, obj=facility, before=before, after=changes)
    return facility


@transaction.atomic
def facility_beds_set(
    *, actor: Any, facility: TreatmentFacility, bed_type: str, capacity: int, occupied: int | None = None, reason: str = ""
) -> FacilityBeds:
    """Set the number of beds of one type. `occupied` reconciles the count with the ward (patients
    admitted before the platform, a count found wrong) and needs a reason; capacity can never go
    below the patients in those beds."""
    require(actor, CasesCap.FACILITY)
    if not TreatmentFacility.objects.managed_by(actor).filter(pk=facility.pk).exists():
        raise PermissionRefused(_("您不能设置“%(f)s”的床位") % {"f": facility.name}, rule="cases.facility_scope")
    if bed_type not in BedType.values:
        raise DomainError(_("未知的床位类型"), field="bed_type")
    if capacity < 0 or (occupied is not None and occupied < 0):
        raise DomainError(_("床位数不能为负数"), field="capacity")
    FacilityBeds.objects.get_or_create(facility=facility, bed_type=bed_type, defaults={"capacity": 0})
    beds = FacilityBeds.objects.select_for_update().get(facility=facility, bed_type=bed_type)
    before = {"capacity": beds.capacity, "occupied": beds.occupied}
    if occupied is not None and occupied != beds.occupied and not reason.strip():
        raise DomainError(_("修改在院人数须填写原因"), field="reason")
    new_occupied = beds.occupied if occupied is None else occupied
    if capacity < new_occupied:
        raise DomainError(
            _("床位数 %(c)s 少于在院人数 %(o)s") % {"c": capacity, "o": new_occupied},
            field="capacity",
            rule="cases.bed_capacity",
            source=f"{facility.name} {BedType(bed_type).label}",
        )
    beds.capacity, beds.occupied = capacity, new_occupied
    beds.save(update_fields=["capacity", "occupied", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.BEDS_SET,
        obj=facility,
        before={"bed_type": bed_type, **before},
        after={"bed_type": bed_type, "capacity": capacity, "occupied": new_occupied},
        reason=reason.strip(),
    )
    return beds


def en_route_counts(*, facility_id: int | None = None) -> Counter:
    """(facility id, bed type) → patients dispatched there and not yet admitted (one facility's, if given)."""
    transfers = Transfer.objects.filter(status__in=TRANSFER_EN_ROUTE, assigned_facility__isnull=False)
    if facility_id is not None:
        transfers = transfers.filter(assigned_facility_id=facility_id)
    rows = transfers.values_list("assigned_facility_id", "assigned_bed_type").annotate(n=Count("id")).order_by()
    return Counter({(f, b): n for f, b, n in rows})


def facility_options(*, exclude_transfer: Transfer | None = None) -> list[FacilityOption]:
    """Every facility's beds as triage sees them: free = capacity − occupied − patients en route
    (not counting `exclude_transfer`, the one being dispatched now)."""
    en_route = en_route_counts()
    if exclude_transfer is not None and exclude_transfer.status in TRANSFER_EN_ROUTE and exclude_transfer.assigned_facility_id:
        en_route[(exclude_transfer.assigned_facility_id, exclude_transfer.assigned_bed_type)] -= 1
    # Plain values, not model instances: a city has hundreds of bed rows and the board reads them all.
    rows = FacilityBeds.objects.order_by("facility__name", "bed_type").values_list(
        "facility_id",
        "facility__name",
        "facility__kind",
        "facility__district_id",
        "bed_type",
        "capacity",
        "occupied",
        "facility__admission_classes",
        "facility__admits_high_risk",
        "facility__max_age",
        "facility__is_active",
    )
    return [
        FacilityOption(
            facility_id=fid,
            name=name,
            kind=kind,
            district_id=district_id,
            bed_type=bed_type,
            free=capacity - occupied - en_route.get((fid, bed_type), 0),
            admission_classes=tuple(classes or ()),
            admits_high_risk=high_risk,
            max_age=max_age,
            is_active=is_active,
        )
        for fid, name, kind, district_id, bed_type, capacity, occupied, classes, high_risk, max_age, is_active in rows
    ]


def option_for(facility: TreatmentFacility, bed_type: str, free: int = 1) -> FacilityOption:
    return FacilityOption(
        facility_id=facility.pk,
        name=facility.name,
        kind=facility.kind,
        district_id=facility.district_id,
        bed_type=bed_type,
        free=free,
        admission_classes=tuple(facility.admission_classes or ()),
        admits_high_risk=facility.admits_high_risk,
        max_age=facility.max_age,
        is_active=facility.is_active,
    )
