"""The subsidies and relief page: the totals in the seed's forms and the budgets (figures, by grant),
the disbursements by name (livelihood.relief), and the forms to record one and to set a budget."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.permissions import require_page, withheld
from fangkong.geo.models import District

from . import relief, selectors
from .forms import BudgetForm, DisburseForm
from .permissions import LivelihoodCap
from .services.relief import budget_set, relief_disburse


def _districts(user: Any) -> list[tuple[int, str]]:
    return [(d.pk, d.name) for d in District.objects.covered_by(user).order_by("code")]


def _page(
    request: HttpRequest, *, form: DisburseForm | None = None, budget_form: BudgetForm | None = None, status: int = 200
) -> HttpResponse:
    hidden = withheld(request.user, LivelihoodCap.RELIEF)
    ctx = {
        "totals": relief.relief_totals(user=request.user),
        "budgets": relief.budgets(user=request.user),
        "withheld": hidden,
        "rows": [] if hidden else list(relief.disbursement_list(user=request.user)[:200]),
        "form": form or DisburseForm(),
        "budget_form": budget_form or BudgetForm(districts=_districts(request.user), initial={"year": timezone.localdate().year}),
    }
    return render(request, "livelihood/relief.html", ctx, status=status)


@login_required
def relief_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def relief_create(request: HttpRequest) -> HttpResponse:
    require_page(request.user, LivelihoodCap.RELIEF)
    form = DisburseForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        with refused_on(form, fields={"person": "id_number"}):
            person = selectors.person_typed(d["id_number"], user=request.user, where="livelihood.relief")
            relief_disburse(actor=request.user, person=person, kind=d["kind"], amount=d["amount"], goods=d["goods"])
            messages.success(request, _("已登记发放"))
            return redirect("livelihood:relief")
    return _page(request, form=form, status=422)


@login_required
@require_POST
def budget_create(request: HttpRequest) -> HttpResponse:
    require_page(request.user, LivelihoodCap.RELIEF)
    form = BudgetForm(request.POST, districts=_districts(request.user))
    if form.is_valid():
        district = get_object_or_404(District.objects.covered_by(request.user), pk=int(form.cleaned_data["district"]))
        with refused_on(form):
            budget_set(actor=request.user, district=district, year=form.cleaned_data["year"], amount=form.cleaned_data["amount"])
            return redirect("livelihood:relief")
    return _page(request, budget_form=form, status=422)
