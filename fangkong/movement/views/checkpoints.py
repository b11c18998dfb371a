"""Checkpoint pages: the list with the day's counts and the gaps in its shifts, set one up, one
checkpoint with its log of vehicles checked (people, fevers, what was done), its shifts (with the
counts logged during each and the gaps of the next 24 hours) and the passes scanned there."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require_page, user_can

from .. import selectors, shifts
from ..choices import CheckpointStatus, FeverAction
from ..forms import CheckpointDecisionForm, CheckpointForm, LogForm, ShiftForm
from ..models import CheckpointShift
from ..permissions import MovementCap
from ..services.checkpoints import checkpoint_approve, checkpoint_create, checkpoint_log, checkpoint_reject
from ..services.shifts import shift_cancel, shifts_add
from .common import districts_of


@login_required
def checkpoint_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, MovementCap.CHECK, MovementCap.VIEW)
    can_create = user_can(request.user, MovementCap.PASS_APPROVE)
    form = CheckpointForm(request.POST or None, districts=districts_of(request.user)) if can_create else None
    if request.method == "POST":
        require_page(request.user, MovementCap.PASS_APPROVE)
        if form is not None and form.is_valid():
            with refused_on(form):
                cp = checkpoint_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("已提出设立卡口，待另一名工作人员审批后方可排班、核验。"))
                return redirect("movement:checkpoint_detail", pk=cp.pk)
    figures = selectors.movement_figures(user=request.user, day=timezone.localdate())
    gaps = shifts.checkpoint_gaps([cp.pk for cp, *_ in figures.checkpoints])
    rows = [(cp, vehicles, people, fevers, gaps.get(cp.pk, [])) for cp, vehicles, people, fevers in figures.checkpoints]
    context = {"rows": rows, "form": form}
    return render(request, "movement/checkpoint_list.html", context, status=422 if form is not None and form.errors else 200)


@login_required
def checkpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, MovementCap.CHECK, MovementCap.VIEW)
    cp = selectors.checkpoint_get(user=request.user, pk=pk)
    form = LogForm(request.POST or None)
    if request.method == "POST":
        require_page(request.user, MovementCap.CHECK)
        if form.is_valid():
            with refused_on(form):
                checkpoint_log(actor=request.user, checkpoint=cp, fevers=form.readings(), **form.cleaned_data)
                messages.success(request, _("已登记。"))
                return redirect("movement:checkpoint_detail", pk=cp.pk)
    return _detail(request, cp, form=form)


def _detail(
    request: HttpRequest,
    cp,
    *,
    form: LogForm | None = None,
    shift_form: ShiftForm | None = None,
    decision_form: CheckpointDecisionForm | None = None,
) -> HttpResponse:
    approved = cp.status == CheckpointStatus.APPROVED
    can_staff = approved and user_can(request.user, MovementCap.PASS_APPROVE)
    can_decide = (
        cp.status == CheckpointStatus.PROPOSED
        and user_can(request.user, MovementCap.CHECKPOINT_APPROVE)
        and cp.created_by_id != request.user.pk
        and (not cp.closes_trunk_road or user_can(request.user, MovementCap.CLOSURE_APPROVE))
    )
    if can_decide and decision_form is None:
        decision_form = CheckpointDecisionForm(closure=cp.closes_trunk_road)
    form = form or LogForm()
    if can_staff and shift_form is None:
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        shift_form = ShiftForm(initial={"starts_at": start, "ends_at": start + dt.timedelta(hours=8), "days": 1})
    context = {
        "cp": cp,
        "fever_actions": FeverAction.choices,
        "logs": selectors.checkpoint_logs(cp),
        "scans": selectors.checkpoint_scans(cp),
        "form": form if approved or form.errors else None,
        "decision_form": decision_form if can_decide or (decision_form is not None and decision_form.errors) else None,
        "shift_rows": shifts.shift_rows(cp),
        "gaps": shifts.checkpoint_gaps([cp.pk])[cp.pk],
        "shift_form": shift_form if can_staff or (shift_form is not None and shift_form.errors) else None,
    }
    errors = form.errors or (shift_form is not None and shift_form.errors) or (decision_form is not None and decision_form.errors)
    return render(request, "movement/checkpoint_detail.html", context, status=422 if errors else 200)


@login_required
@require_POST
def checkpoint_shifts(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, MovementCap.PASS_APPROVE)
    cp = selectors.checkpoint_get(user=request.user, pk=pk)
    shift_form = ShiftForm(request.POST)
    if shift_form.is_valid():
        with refused_on(shift_form):
            made = shifts_add(actor=request.user, checkpoint=cp, **shift_form.cleaned_data)
            messages.success(request, _("已排 %(n)s 个班次。") % {"n": len(made)})
            return redirect("movement:checkpoint_detail", pk=cp.pk)
    return _detail(request, cp, shift_form=shift_form)


@login_required
@require_POST
def checkpoint_shift_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, MovementCap.PASS_APPROVE)
    shift = get_object_or_404(CheckpointShift.objects.visible_to(request.user).select_related("checkpoint"), pk=pk)
    try:
        shift_cancel(actor=request.user, shift=shift)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("班次已取消。"))
    return redirect("movement:checkpoint_detail", pk=shift.checkpoint_id)


@login_required
@require_POST
def checkpoint_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject a proposed checkpoint (another of the traffic group's staff than its proposer;
    one closing a highway or a trunk road: the city's command)."""
    require_page(request.user, MovementCap.CHECKPOINT_APPROVE)
    cp = selectors.checkpoint_get(user=request.user, pk=pk)
    decision_form = CheckpointDecisionForm(request.POST, closure=cp.closes_trunk_road)
    if decision_form.is_valid():
        with refused_on(decision_form):
            data = decision_form.cleaned_data
            if data["decision"] == "approve":
                checkpoint_approve(actor=request.user, checkpoint=cp, reason=data["reason"], detour_notice=data.get("detour_notice", ""))
                messages.success(request, _("已批准设立卡口。"))
            else:
                checkpoint_reject(actor=request.user, checkpoint=cp, reason=data["reason"])
                messages.success(request, _("已不批准设立该卡口。"))
            return redirect("movement:checkpoint_detail", pk=cp.pk)
    cp.refresh_from_db()
    return _detail(request, cp, decision_form=decision_form)
