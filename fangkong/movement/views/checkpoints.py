"""Checkpoint pages: the list with the day's counts, set one up, one checkpoint with its log of
vehicles checked (people, fevers, what was done) and the passes scanned there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.actions import refused_on
from fangkong.core.permissions import require_page, user_can

from .. import selectors
from ..forms import CheckpointForm, LogForm
from ..permissions import MovementCap
from ..services.checkpoints import checkpoint_create, checkpoint_log
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
                messages.success(request, _("卡口已设立。"))
                return redirect("movement:checkpoint_detail", pk=cp.pk)
    figures = selectors.movement_figures(user=request.user, day=timezone.localdate())
    context = {"rows": figures.checkpoints, "form": form}
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
                checkpoint_log(actor=request.user, checkpoint=cp, **form.cleaned_data)
                messages.success(request, _("已登记。"))
                return redirect("movement:checkpoint_detail", pk=cp.pk)
    context = {"cp": cp, "logs": selectors.checkpoint_logs(cp), "scans": selectors.checkpoint_scans(cp), "form": form}
    return render(request, "movement/checkpoint_detail.html", context, status=422 if form.errors else 200)
