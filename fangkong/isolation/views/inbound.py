"""快隔 pages of inbound travellers (入境人员): the arrivals in scope, and registering one at the first
entry point — the traveller found in the registry by document number, or registered with it — for
the central part of the regimen there (inbound.*: 5+3 under the 20 measures), then the closed-loop
transfer to the destination with a handover (on the person's page: release, transport, receiver).

The entry-point site sees its arrivals; the destination community sees the travellers bound for it.
Registering needs Cap.ISOLATION_MANAGE and a site that receives inbound travellers.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can
from fangkong.geo.lookup import registered_person
from fangkong.geo.models import Community
from fangkong.geo.services import person_create

from .. import selectors, services
from ..choices import EpisodeKind
from ..forms import PERSON_FIELDS, ArrivalForm
from ..permissions import IsolationCap, people_details
from ..services import RegimenPlan

ARRIVAL_FIELDS = {**PERSON_FIELDS, "entry_site": "entry_site", "arrived_at": "arrived_at", "destination": "destination"}


@people_details
def arrival_list(request: HttpRequest) -> HttpResponse:
    arrivals = selectors.arrival_list(user=request.user).select_related("destination_community", "episode__site")
    context = {"page_obj": paginate(request, arrivals), "can_manage": user_can(request.user, IsolationCap.MANAGE)}
    return render(request, "isolation/inbound/arrival_list.html", context)


def _form(request: HttpRequest, data: Any = None) -> ArrivalForm:
    sites = selectors.site_list(user=request.user).filter(receives_inbound=True)
    # Where a traveller is bound is any community of the city: place names, not personal data.
    communities = Community.objects.select_related("district", "street").order_by("district__code", "street__name", "name")
    form = ArrivalForm(data, sites=sites, communities=communities)
    if data is None and sites.count() == 1:
        form.initial["entry_site"] = sites.first()
    return form


@people_details
@require_http_methods(["GET", "POST"])
def arrival_create(request: HttpRequest) -> HttpResponse:
    """入境人员登记: a new inbound episode bound for the entry-point site, with its same-day deadline."""
    require_page(request.user, IsolationCap.MANAGE)
    status = 200
    if request.method == "POST":
        form = _form(request, request.POST)
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            with refused_on(form, fields=ARRIVAL_FIELDS):
                with transaction.atomic():
                    person = registered_person(d["id_number"])  # the traveller's own document, in hand
                    if person is None:
                        if not d["name"].strip():
                            raise DomainError(_("登记库中没有该证件号码，请填写姓名以登记该人员"), field="name")
                        person = person_create(
                            actor=request.user,
                            household=None,
                            name=d["name"],
                            id_type=d["id_type"],
                            id_number=d["id_number"],
                            sex=d["sex"] or None,
                            phone=d["phone"],
                        )
                    arrival = services.inbound_register(
                        actor=request.user,
                        person=person,
                        mode=d["mode"],
                        number=d["number"],
                        origin=d["origin"],
                        port_of_entry=d["port_of_entry"],
                        arrived_at=d["arrived_at"],
                        entry_site=d["entry_site"],
                        destination=d["destination"],
                        destination_community=d["destination_community"],
                    )
                messages.success(
                    request,
                    _("已登记入境人员 %(name)s（%(number)s），请当日转运至 %(site)s")
                    % {"name": person.name, "number": arrival.number, "site": arrival.entry_site.name},
                )
                return redirect("isolation:episode_detail", pk=arrival.episode_id)
    else:
        form = _form(request)
    return render(request, "isolation/inbound/arrival_form.html", {"form": form, "plan": _plan()}, status=status)


def _plan() -> RegimenPlan | None:
    """The inbound regimen of the active policy, to show beside the form (None when not configured)."""
    try:
        return services.regimen_plan(EpisodeKind.INBOUND)
    except DomainError:
        return None
