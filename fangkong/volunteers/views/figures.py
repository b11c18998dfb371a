"""The totals page (a grant alone: no person named) and the vehicles and disinfection records."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fangkong.core.actions import refused_on
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.periods import period
from fangkong.core.permissions import require_page, user_can
from fangkong.geo.models import Community, District
from fangkong.policy.regimen import local_date

from .. import services
from ..forms import DisinfectionForm, TotalsForm, TripForm, VehicleForm
from ..models import Disinfection, Organisation, TaskType, Trip, Vehicle
from ..permissions import VolunteersCap
from ..serving import serving_figures
from ..totals import MAX_DAYS, volunteer_totals


@login_required
def totals(request: HttpRequest) -> HttpResponse:
    orgs = list(Organisation.objects.visible_to(request.user).values_list("pk", "name"))
    districts = list(District.objects.covered_by(request.user).values_list("pk", "name"))
    form = TotalsForm(request.GET or None, organisations=orgs, districts=districts)
    today = local_date(now())
    start, end = period(None, None, today=today)
    org = district = None
    if form.is_valid():
        d = form.cleaned_data
        org = int(d["organisation"]) if d["organisation"] else None
        district = int(d["district"]) if d["district"] else None
        try:
            start, end = period(d["start"], d["end"], today=today, max_days=MAX_DAYS)
        except DomainError as refused:  # the default period shown, the refusal beside the field
            form.add_error(refused.field, refused.message)
    t = volunteer_totals(user=request.user, start=start, end=end, organisation_id=org, district_id=district)
    chart = {
        "days": [d["day"][5:] for d in t.days],
        "attendance": [d["attendance"] for d in t.days],
        "hours": [d["hours"] for d in t.days],
        "trips": [d["trips"] for d in t.days],
        "labels": {"attendance": _("出勤人次"), "hours": _("服务小时"), "trips": _("车辆台次")},
    }
    serving = serving_figures(user=request.user, day=end, district_id=district)
    return render(request, "volunteers/totals.html", {"form": form, "t": t, "chart": chart, "serving": serving})


@login_required
def fleet(request: HttpRequest) -> HttpResponse:
    """Vehicles, their trips and disinfection records: the lists by grant; recording needs volunteers.record."""
    user = request.user
    orgs = list(Organisation.objects.visible_to(user).values_list("pk", "name"))
    tasks = list(TaskType.objects.filter(active=True).values_list("pk", "name"))
    vehicles_qs = Vehicle.objects.visible_to(user).select_related("organisation")
    communities = Community.objects.covered_by(user)
    vehicle_form = VehicleForm(organisations=orgs)
    trip_form = TripForm(vehicles=list(vehicles_qs.values_list("pk", "plate")), task_types=tasks)
    clean_form = DisinfectionForm(communities=communities, organisations=orgs)
    status = 200
    if request.method == "POST":
        require_page(user, VolunteersCap.RECORD)
        which = request.POST.get("form")
        try:
            if which == "vehicle":
                vehicle_form = VehicleForm(request.POST, organisations=orgs)
                if vehicle_form.is_valid():
                    d = vehicle_form.cleaned_data
                    org = get_object_or_404(Organisation.objects.visible_to(user), pk=int(d["organisation"]))
                    with refused_on(vehicle_form):
                        services.vehicle_add(actor=user, plate=d["plate"], kind=d["kind"], organisation=org)
                        return redirect("volunteers:fleet")
            elif which == "trip":
                trip_form = TripForm(request.POST, vehicles=list(vehicles_qs.values_list("pk", "plate")), task_types=tasks)
                if trip_form.is_valid():
                    d = trip_form.cleaned_data
                    with refused_on(trip_form):
                        services.trip_add(
                            actor=user,
                            vehicle=get_object_or_404(vehicles_qs, pk=int(d["vehicle"])),
                            started_at=d["started_at"],
                            task_type=get_object_or_404(TaskType, pk=int(d["task_type"])),
                            kilometres=d["kilometres"],
                        )
                        messages.success(request, _("已登记出车"))
                        return redirect("volunteers:fleet")
            else:
                clean_form = DisinfectionForm(request.POST, communities=communities, organisations=orgs)
                if clean_form.is_valid():
                    d = clean_form.cleaned_data
                    with refused_on(clean_form, fields={"case": "case"}):
                        services.disinfection_add(
                            actor=user,
                            kind=d["kind"],
                            done_at=d["done_at"],
                            place=d["place"],
                            community=get_object_or_404(communities, pk=int(d["community"])),
                            organisation=get_object_or_404(Organisation.objects.visible_to(user), pk=int(d["organisation"])),
                            case_id=d["case"],
                            square_metres=d["square_metres"] or 0,
                        )
                        messages.success(request, _("已登记消杀"))
                        return redirect("volunteers:fleet")
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        status = 422
    context = {
        "vehicles": vehicles_qs[:200],
        "trips": Trip.objects.visible_to(user).select_related("vehicle", "task_type")[:50],
        "cleanings": Disinfection.objects.visible_to(user)[:50],
        "vehicle_form": vehicle_form,
        "trip_form": trip_form,
        "clean_form": clean_form,
        "can_record": user_can(user, VolunteersCap.RECORD),
    }
    return render(request, "volunteers/fleet.html", context, status=status)
