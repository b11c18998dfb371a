"""Voucher pages: the programmes, a programme's totals in the seed's form and its vouchers (names
with livelihood.details), a community's run, one person's voucher (refused naming the rule), a
redemption."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require_page, user_can, withheld
from fangkong.geo.models import Community

from . import selectors, vouchers
from .forms import IssueForm, ProgrammeForm, RunForm
from .permissions import LivelihoodCap
from .services.vouchers import programme_add, voucher_issue, voucher_redeem, voucher_run

Cap = LivelihoodCap


def _communities(user: Any) -> list[tuple[int, str]]:
    return [(c.pk, c.name) for c in Community.objects.covered_by(user).order_by("street_id", "name")[:500]]


@login_required
def programmes(request: HttpRequest) -> HttpResponse:
    scopes = vouchers.scope_options(user=request.user)
    form = ProgrammeForm(scopes=scopes)
    status = 200
    if request.method == "POST":
        require_page(request.user, Cap.VOUCHERS)
        form = ProgrammeForm(request.POST, scopes=scopes)
        if form.is_valid():
            data = form.cleaned_data
            found, place = vouchers.scope_from_value(data["scope"])
            if not found:
                form.add_error("scope", _("发放范围不存在"))
            else:
                with refused_on(form):
                    programme = programme_add(
                        actor=request.user, name=data["name"], place=place, age_reference_date=data["age_reference_date"]
                    )
                    return redirect("livelihood:programme_detail", pk=programme.pk)
        status = 422
    rows = [(p, vouchers.voucher_totals(user=request.user, programme=p)) for p in vouchers.programme_list(user=request.user)]
    return render(
        request,
        "livelihood/programmes.html",
        {"rows": rows, "form": form, "can_issue": user_can(request.user, Cap.VOUCHERS)},
        status=status,
    )


def _programme_page(
    request: HttpRequest, programme: Any, *, issue_form: IssueForm | None = None, run_form: RunForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    hidden = withheld(user, Cap.DETAILS)
    names = dict(
        Community.objects.filter(pk__in=[r[0] for r in vouchers.community_totals(user=user, programme=programme)]).values_list("pk", "name")
    )
    ctx = {
        "programme": programme,
        "totals": vouchers.voucher_totals(user=user, programme=programme),
        "by_community": [(names.get(pk, ""), n, total) for pk, n, total in vouchers.community_totals(user=user, programme=programme)],
        "withheld": hidden,
        "vouchers": [] if hidden else list(vouchers.voucher_list(user=user, programme=programme)[:200]),
        "can_issue": user_can(user, Cap.VOUCHERS),
        "issue_form": issue_form or IssueForm(),
        "run_form": run_form or RunForm(communities=_communities(user)),
    }
    return render(request, "livelihood/programme.html", ctx, status=status)


@login_required
def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _programme_page(request, vouchers.programme_get(pk, user=request.user))


@login_required
@require_POST
def programme_run(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.VOUCHERS)
    programme = vouchers.programme_get(pk, user=request.user)
    form = RunForm(request.POST, communities=_communities(request.user))
    if form.is_valid():
        community = get_object_or_404(Community.objects.covered_by(request.user), pk=int(form.cleaned_data["community"]))
        with refused_on(form):
            n = voucher_run(actor=request.user, programme=programme, community=community, form=form.cleaned_data["form"])
            messages.success(request, _("%(c)s：新发放 %(n)s 人") % {"c": community.name, "n": n})
            return redirect("livelihood:programme_detail", pk=programme.pk)
    return _programme_page(request, programme, run_form=form, status=422)


@login_required
@require_POST
def voucher_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.VOUCHERS)
    programme = vouchers.programme_get(pk, user=request.user)
    form = IssueForm(request.POST)
    if form.is_valid():
        with refused_on(form, fields={"person": "id_number"}):
            person = selectors.person_typed(form.cleaned_data["id_number"], user=request.user, where="livelihood.voucher")
            voucher_issue(actor=request.user, programme=programme, person=person, form=form.cleaned_data["form"])
            messages.success(request, _("已发放"))
            return redirect("livelihood:programme_detail", pk=programme.pk)
    return _programme_page(request, programme, issue_form=form, status=422)


@login_required
@require_POST
def voucher_redeem_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.VOUCHERS)
    voucher = vouchers.voucher_get(user=request.user, pk=pk)
    try:
        voucher_redeem(actor=request.user, voucher=voucher)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已核销"))
    return redirect("livelihood:programme_detail", pk=voucher.programme_id)
