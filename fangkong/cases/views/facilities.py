"""定点医院 and 方舱医院: the list with occupancy bars by bed type (occupied, on the way, free), a
facility's page (admission rules, its patients and those on their way — as far as the user sees
them — and its beds, which its own staff or the command centre set), and the command centre's form
to set up or change a facility.

Facilities are city resources: anyone with a jurisdiction sees them. Their patients are personal
data: a hospital's staff see their own, a district its district's people, nobody anything else —
and a role without cases.view none at all (need-to-know: the beds and rules only).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.actions import refused_on
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can, withheld
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo import selectors as geo_selectors

from .. import selectors, services
from ..choices import TRANSFER_EN_ROUTE, BedType, CaseStatus, Classification
from ..forms import BedsForm, FacilityForm
from ..models import Case, Transfer, TreatmentFacility
from ..permissions import CasesCap
from .common import facility_get

PATIENTS_PER_PAGE = 50


def _can_set_up(user: Any) -> bool:
    """Facilities are set up by the command centre (the service says so when refused)."""
    return user_can(user, CasesCap.FACILITY) and jurisdiction_of(user).city


@login_required
def facility_list(request: HttpRequest) -> HttpResponse:
    occupancy = selectors.facility_occupancy(user=request.user)
    context = {
        "occupancy": occupancy,
        "hospitals": [o for o in occupancy.facilities if o.facility.kind == "hospital"],
        "fangcangs": [o for o in occupancy.facilities if o.facility.kind == "fangcang"],
        "can_create": _can_set_up(request.user),
    }
    return render(request, "cases/facilities/facility_list.html", context)


def _detail_context(request: HttpRequest, facility: TreatmentFacility, beds_form: BedsForm | None = None) -> dict[str, Any]:
    user = request.user
    occupancy = next((o for o in selectors.facility_occupancy(user=user).facilities if o.facility.pk == facility.pk), None)
    hidden = withheld(user, CasesCap.VIEW)
    patients = selectors.case_list(user=user, filters={"facility_id": facility.pk, "status": CaseStatus.ADMITTED}).order_by(
        "admitted_at", "id"
    )
    incoming = (
        Transfer.objects.filter(case__in=Case.objects.visible_to(user), assigned_facility=facility, status__in=TRANSFER_EN_ROUTE)
        .select_related("case", "case__person")
        .order_by("dispatched_at", "id")
    )
    if hidden:
        patients, incoming = patients.none(), incoming.none()
    can_set_beds = user_can(user, CasesCap.FACILITY) and TreatmentFacility.objects.managed_by(user).filter(pk=facility.pk).exists()
    return {
        "facility": facility,
        "occupancy": occupancy,
        "withheld": hidden,
        "page_obj": paginate(request, patients, per_page=PATIENTS_PER_PAGE),
        "incoming": list(incoming),
        "admission_classes": [c.label for c in _classes(facility)],
        "can_set_beds": can_set_beds,
        "can_edit": _can_set_up(user),
        "beds_form": beds_form or (_beds_form(occupancy) if can_set_beds else None),
    }


def _beds_form(occupancy: Any) -> BedsForm:
    """Filled in with the first bed type's capacity, the usual thing to change."""
    first = occupancy.beds[0] if occupancy and occupancy.beds else None
    if first is None:
        return BedsForm(initial={"bed_type": BedType.GENERAL})
    return BedsForm(initial={"bed_type": first.bed_type, "capacity": first.capacity})


def _classes(facility: TreatmentFacility) -> list[Any]:
    return [Classification(c) for c in facility.admission_classes or () if c in Classification.values]


@login_required
def facility_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = facility_get(user=request.user, pk=pk)
    return render(request, "cases/facilities/facility_detail.html", _detail_context(request, facility))


@login_required
@require_POST
def facility_beds(request: HttpRequest, pk: int) -> HttpResponse:
    """Set one bed type's capacity (and, with a reason, the occupied count)."""
    require_page(request.user, CasesCap.FACILITY)
    facility = facility_get(user=request.user, pk=pk)
    form = BedsForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        with refused_on(form):
            beds = services.facility_beds_set(
                actor=request.user,
                facility=facility,
                bed_type=d["bed_type"],
                capacity=d["capacity"],
                occupied=d["occupied"],
                reason=d["reason"],
            )
            messages.success(
                request,
                _("%(f)s %(bed)s：床位 %(c)s，在院 %(o)s")
                % {"f": facility.name, "bed": beds.get_bed_type_display(), "c": beds.capacity, "o": beds.occupied},
            )
            return redirect("cases:facility_detail", pk=facility.pk)
    return render(request, "cases/facilities/facility_detail.html", _detail_context(request, facility, form), status=422)


@login_required
@require_http_methods(["GET", "POST"])
def facility_create(request: HttpRequest) -> HttpResponse:
    require_page(request.user, CasesCap.FACILITY)
    if not _can_set_up(request.user):
        raise PermissionDenied(_("定点医院、方舱医院由市指挥部设置"))
    districts = geo_selectors.place_children(user=request.user, level="city", place=None).order_by("code")
    form = FacilityForm(request.POST or None, districts=districts)
    if request.method == "POST" and form.is_valid():
        with refused_on(form):
            facility = services.facility_create(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                district=form.cleaned_data["district"],
                beds=form.beds(),
                **form.values(),
            )
            messages.success(request, _("已新增：%(f)s") % {"f": facility.name})
            return redirect("cases:facility_detail", pk=facility.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "cases/facilities/facility_form.html", {"form": form, "facility": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def facility_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, CasesCap.FACILITY)
    facility = facility_get(user=request.user, pk=pk)
    if not _can_set_up(request.user):
        raise PermissionDenied(_("定点医院、方舱医院由市指挥部设置"))
    initial = {k: getattr(facility, k) for k in FacilityForm.EDITABLE}
    form = FacilityForm(request.POST or None, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        with refused_on(form):
            services.facility_update(actor=request.user, facility=facility, **form.values())
            messages.success(request, _("已保存：%(f)s") % {"f": facility.name})
            return redirect("cases:facility_detail", pk=facility.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "cases/facilities/facility_form.html", {"form": form, "facility": facility}, status=status)
