"""居家健康监测 for community workers (cases.monitor): the people of their communities discharged into
home health monitoring, by the day it ends, with the day of the regimen they are on; a test recorded
(a positive reopens care at once: the case goes back on the transfer board) and monitoring ended
when its days are over (earlier is refused naming the policy rule).

Actions are POSTs: htmx swaps the person's card in place; without JavaScript the POST redirects back
with a message. A monitoring outside the user's jurisdiction answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can
from fangkong.core.timefmt import local_minutes
from fangkong.policy.regimen import regimen_day_number

from .. import selectors, services
from ..choices import MonitoringStatus
from ..forms import TestResultForm
from ..models import HealthMonitoring
from ..permissions import CasesCap, case_details
from .common import monitoring_get

LIST_PAGE = "cases/monitoring/monitoring_list.html"
ITEM = "cases/monitoring/_item.html"
PER_PAGE = 50


@dataclass
class Item:
    m: HealthMonitoring
    day: int | None
    due: bool
    tests: list
    form: TestResultForm | None = None
    error: str = ""
    notice: str = ""
    refusal: DomainError | None = None


def _item(request: HttpRequest, m: HealthMonitoring, *, form: TestResultForm | None = None, error: str = "", notice: str = "") -> Item:
    now = timezone.now()
    day = None
    if m.status == MonitoringStatus.ACTIVE:
        try:
            day = regimen_day_number(m.starts_at, now)
        except DomainError:  # no active policy: the day is not shown
            day = None
    act = user_can(request.user, CasesCap.MONITOR) and m.status == MonitoringStatus.ACTIVE
    return Item(
        m=m,
        day=day,
        due=now >= m.ends_at,
        tests=list(m.tests.order_by("-sampled_at", "-id")),
        form=(form or TestResultForm(prefix=f"m{m.pk}")) if act else None,
        error=error,
        notice=notice,
    )


@case_details
def monitoring_list(request: HttpRequest) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    qs = selectors.monitoring_list(user=request.user, active_only=not show_all).select_related("community", "discharge__facility")
    page = paginate(request, qs, per_page=PER_PAGE)
    context = {
        "page_obj": page,
        "items": [_item(request, m) for m in page.object_list],
        "show_all": show_all,
        "can_monitor": user_can(request.user, CasesCap.MONITOR),
        "next": request.get_full_path(),
    }
    return render_page(request, LIST_PAGE, context, partial="items")


def _answer(
    request: HttpRequest,
    m: HealthMonitoring,
    *,
    ok: bool,
    text: str,
    form: TestResultForm | None = None,
    refusal: DomainError | None = None,
) -> HttpResponse:
    if not request.htmx:
        (messages.success if ok else messages.error)(request, text)
        return redirect(f"{reverse('cases:monitoring_list')}#monitoring-{m.pk}")
    m = monitoring_get(user=request.user, pk=m.pk)
    # a form shows its errors on their fields; the card, the refusals that name no field
    error = "" if ok else (text if form is None else "；".join(form.non_field_errors()))
    item = _item(request, m, form=None if ok else form, error=error, notice=text if ok else "")
    item.refusal = refusal
    return render(request, ITEM, {"item": item, "can_monitor": True}, status=200 if ok else 422)


@case_details
@require_POST
def monitoring_test(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, CasesCap.MONITOR)
    m = monitoring_get(user=request.user, pk=pk)
    form = TestResultForm(request.POST, prefix=f"m{m.pk}")
    if not form.is_valid():
        return _answer(request, m, ok=False, text="；".join(e for errs in form.errors.values() for e in errs), form=form)
    d = form.cleaned_data
    try:
        outcome = services.monitoring_record_test(
            actor=request.user,
            monitoring=m,
            sampled_at=d["sampled_at"],
            result=d["result"],
            ct_orf1ab=d["ct_orf1ab"],
            ct_n=d["ct_n"],
            reported_at=d["reported_at"],
        )
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        form.refuse(exc)
        return _answer(request, m, ok=False, text=exc.message, form=form, refusal=exc)
    if outcome.reopened is not None:
        due = local_minutes(outcome.reopened.deadline_at)
        text = _("%(p)s 核酸阳性：已转为再收治，回到转运看板，时限 %(due)s") % {"p": m.person.name, "due": due}
    else:
        text = _("已登记 %(p)s 的核酸检测：%(r)s") % {"p": m.person.name, "r": outcome.test.get_result_display()}
    return _answer(request, m, ok=True, text=text)


@case_details
@require_POST
def monitoring_complete(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, CasesCap.MONITOR)
    m = monitoring_get(user=request.user, pk=pk)
    try:
        services.monitoring_complete(actor=request.user, monitoring=m)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return _answer(request, m, ok=False, text=exc.message, refusal=exc)
    return _answer(request, m, ok=True, text=_("%(p)s 已解除居家健康监测，病例结案") % {"p": m.person.name})
