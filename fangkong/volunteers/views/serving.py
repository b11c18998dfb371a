"""The pages of the people who serve (报到党员, 包联干部, 下沉政法干警): the list of who serves where
(names, masked phones: volunteers.view and a grant) with the day's figures and the form to send
someone (volunteers.deploy); one deployment, recalled or put on its compound's 4+N roster."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.clock import now
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can
from fangkong.geo.models import Community, Compound
from fangkong.policy.regimen import local_date
from fangkong.zoning.choices import CadreRank
from fangkong.zoning.selectors import areas_in_force

from .. import services
from ..choices import DeploymentKind
from ..forms import DeploymentEndForm, DeploymentForm
from ..models import Deployment
from ..permissions import VolunteersCap
from ..serving import deployment_get, deployment_list, serving_figures


def _form(request: HttpRequest, data: Any = None) -> DeploymentForm:
    user = request.user
    areas = list(areas_in_force(user=user, at=now()).values_list("pk", "name")[:500])
    return DeploymentForm(data, communities=Community.objects.covered_by(user), compounds=Compound.objects.covered_by(user), areas=areas)


@login_required
def deployment_list_page(request: HttpRequest) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW)
    user = request.user
    today = local_date(now())
    kind = request.GET.get("kind", "")
    current = request.GET.get("show") != "all"
    form, status = _form(request), 200
    if request.method == "POST":
        require_page(user, VolunteersCap.DEPLOY)
        form = _form(request, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            communities = Community.objects.covered_by(user)
            with refused_on(form):
                deployment = services.deployment_add(
                    actor=user,
                    kind=d["kind"],
                    name=d["name"],
                    phone=d["phone"],
                    work_unit=d["work_unit"],
                    community=get_object_or_404(communities, pk=int(d["community"])),
                    compound=get_object_or_404(Compound, pk=int(d["compound"])) if d["compound"] else None,
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    rank=d["rank"],
                    at_residence=d["at_residence"],
                    area_id=int(d["area"]) if d["area"] else None,
                )
                messages.success(request, _("已安排：%(n)s") % {"n": deployment})
                return redirect("volunteers:deployment_detail", pk=deployment.pk)
        status = 422
    qs = deployment_list(user=user, kind=kind, on=today if current else None)
    context = {
        "page": paginate(request, qs),
        "kind": kind,
        "kinds": DeploymentKind.choices,
        "current": current,
        "figures": serving_figures(user=user, day=today),
        "form": form,
        "can_deploy": user_can(user, VolunteersCap.DEPLOY),
    }
    return render(request, "volunteers/deployment_list.html", context, status=status)


def _detail(request: HttpRequest, d: Deployment, *, status: int = 200, end_form: DeploymentEndForm | None = None) -> HttpResponse:
    today = local_date(now())
    context = {
        "d": d,
        "rank": CadreRank(d.rank).label if d.rank in CadreRank.values else "",
        "serving": d.starts_on <= today and (d.ends_on is None or d.ends_on >= today),
        "end_form": end_form or DeploymentEndForm(initial={"ends_on": today}),
        "can_deploy": user_can(request.user, VolunteersCap.DEPLOY),
    }
    return render(request, "volunteers/deployment_detail.html", context, status=status)


@login_required
def deployment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW)
    return _detail(request, deployment_get(user=request.user, pk=pk))


@login_required
@require_POST
def deployment_end(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW, VolunteersCap.DEPLOY)
    d = deployment_get(user=request.user, pk=pk)
    form = DeploymentEndForm(request.POST)
    if form.is_valid():
        ends_on: dt.date | None = form.cleaned_data["ends_on"]
        with refused_on(form):
            services.deployment_end(actor=request.user, deployment=d, ends_on=ends_on)
            messages.success(request, _("已撤回"))
            return redirect("volunteers:deployment_detail", pk=d.pk)
    return _detail(request, d, status=422, end_form=form)


@login_required
@require_POST
def deployment_roster(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW, VolunteersCap.DEPLOY)
    d = deployment_get(user=request.user, pk=pk)
    form = DeploymentEndForm()
    with refused_on(form):
        services.deployment_to_roster(actor=request.user, deployment=d)
        messages.success(request, _("已编入小区 4+N 值守名单，请在值守页面排班"))
        return redirect("volunteers:deployment_detail", pk=d.pk)
    return _detail(request, d, status=422, end_form=form)
