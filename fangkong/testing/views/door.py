"""上门采样 in the high-risk areas (足不出户、上门服务): the round's door-to-door tasks, one per household,
for the grid and community workers who sample them (testing.check), and the planner's button that
plans them for the areas in force now (testing.plan). Views parse, call and render; every task comes
through the scoped selector, so another grid's household answers 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import user_can
from fangkong.core.rows import RowsRefused

from .. import selectors, services
from ..choices import PoolingMode
from ..models import DoorSamplingTask
from ..permissions import TestingCap
from ..selectors import door_sampling, fieldwork

PAGE = "testing/field/door_tasks.html"
PER_PAGE = 50


@dataclass
class DoorRow:
    task: DoorSamplingTask
    residents: list[tuple[Any, bool]]  # (person, sampled in the round)

    @property
    def household_tube(self) -> bool:
        return self.task.pooling_mode == PoolingMode.HOUSEHOLD


def _require(user: Any, cap: str) -> None:
    if not user_can(user, cap):
        raise PermissionDenied(_("您的角色无权登记入户核查") if cap == TestingCap.CHECK else _("您的角色无权安排核酸检测"))


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@login_required
def door_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request.user, TestingCap.CHECK)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    grid_id = _int(request.GET.get("grid"))
    grid = fieldwork.grid_get(user=request.user, pk=grid_id) if grid_id else None
    status = request.GET.get("status", "")
    if status not in door_sampling.DOOR_STATUS_FILTERS:
        status = ""
    tasks = door_sampling.door_tasks(user=request.user, testing_round=testing_round, grid=grid, status=status)
    page = paginate(request, tasks, per_page=PER_PAGE)
    listed = list(page.object_list)
    residents = door_sampling.door_residents(listed)
    context = {
        "round": testing_round,
        "grid": grid,
        "grids": door_sampling.door_grids(user=request.user, testing_round=testing_round),
        "status": status,
        "status_choices": [("", _("未完成")), ("done", _("已完成")), ("all", _("全部"))],
        "counts": door_sampling.door_counts(user=request.user, testing_round=testing_round, grid=grid),
        "page_obj": page,
        "rows": [DoorRow(t, residents.get(t.household_id, [])) for t in listed],
        "can_plan": user_can(request.user, TestingCap.PLAN),
    }
    return render_page(request, PAGE, context, partial="tasks")


@login_required
@require_POST
def door_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan the 上门采样 tasks of the high-risk areas in force now (the households not planned yet)."""
    _require(request.user, TestingCap.PLAN)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    try:
        plan = services.door_sampling_plan(actor=request.user, testing_round=testing_round)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("高风险区共 %(h)s 户上门采样，本次新增 %(n)s 户") % {"h": plan.households, "n": plan.created},
        )
    return redirect("testing:round_detail", pk=testing_round.pk)


@login_required
@require_POST
def door_collect(request: HttpRequest, pk: int, task: int) -> HttpResponse:
    """Record the household's samples: one barcode for the household (1户1管) or one per resident."""
    _require(request.user, TestingCap.CHECK)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    task_obj = door_sampling.door_task_get(user=request.user, testing_round=testing_round, pk=task)
    residents = door_sampling.door_residents([task_obj]).get(task_obj.household_id, [])
    household_code = request.POST.get("barcode", "").strip()
    if household_code:
        barcodes = {p.pk: household_code for p, sampled in residents if not sampled}
    else:
        barcodes = {p.pk: request.POST.get(f"barcode-{p.pk}", "") for p, sampled in residents if not sampled}
    try:
        n = services.door_sampling_collect(actor=request.user, task=task_obj, barcodes=barcodes)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except RowsRefused as exc:
        messages.error(request, _("%(a)s 未登记：%(e)s") % {"a": task_obj.household.address, "e": "；".join(e.message for e in exc.errors)})
    except DomainError as exc:
        messages.error(request, _("%(a)s 未登记：%(e)s") % {"a": task_obj.household.address, "e": exc.message})
    else:
        messages.success(request, _("%(a)s 已上门采样 %(n)s 人") % {"a": task_obj.household.address, "n": n})
    url = reverse("testing:door_tasks", args=[testing_round.pk])
    return redirect(f"{url}?grid={task_obj.grid_id}#door-{task_obj.pk}" if task_obj.grid_id else url)


extra_urlpatterns: list = [
    path("rounds/<int:pk>/door/", door_tasks, name="door_tasks"),  # ?grid=&status=
    path("rounds/<int:pk>/door/plan/", door_plan, name="door_plan"),
    path("rounds/<int:pk>/door/<int:task>/collect/", door_collect, name="door_collect"),
]
