"""快检 pages for grid workers and community workers (Cap.TESTING_CHECK): the door-knocking list of a
grid (敲门行动) with one form per household, and the home re-sampling tasks (上门单采).

Views only parse the request, call selectors and services, and render. Every object comes through
a scoped selector, so a grid, household or task outside the user's jurisdiction answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.audit.exports import export_xlsx, print_list
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.exports import Column, describe_filters, wants_print, wants_xlsx
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import user_can
from fangkong.geo.models import Grid, Household

from .. import selectors, services
from ..choices import ResamplingStatus
from ..field_forms import HouseholdCheckForm, ResampleCollectForm
from ..models import TestingRound
from ..permissions import TestingCap
from ..selectors import fieldwork

KNOCK_PAGE = "testing/field/door_knocking.html"
TASKS_PAGE = "testing/field/resampling_tasks.html"
TASKS_PER_PAGE = 50


def _require_check(user: Any) -> None:
    if not user_can(user, TestingCap.CHECK):
        raise PermissionDenied(_("您的角色无权登记入户核查"))


# ---- 敲门行动 ----


@login_required
def door_knocking_grids(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a grid to knock on; a grid worker with one grid goes straight to it."""
    _require_check(request.user)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    q = request.GET.get("q", "")
    grids = fieldwork.grid_list(user=request.user, q=q)
    first_two = list(grids[:2])
    if not q and len(first_two) == 1:
        return redirect("testing:door_knocking", pk=testing_round.pk, grid=first_two[0].pk)
    context = {"round": testing_round, "page_obj": paginate(request, grids), "q": q}
    return render_page(request, "testing/field/grids.html", context, partial="grids")


def knock_columns() -> list[Column]:
    """The door-knocking list as exported: one row per resident not yet sampled, by household."""
    return [
        Column(_("楼栋单元户"), lambda r: r[0].item.address, 28),
        Column(_("已采/应采"), lambda r: f"{r[0].item.sampled}/{r[0].item.residents}", 10),
        Column(_("未采样人员"), lambda r: r[1].member.name, 12),
        Column(_("证件号码"), lambda r: r[1].member.id_masked, 22),
        Column(_("核查结果"), lambda r: r[1].outcome_label, 12),
        Column(_("去向"), lambda r: r[1].member.whereabouts, 20),
        Column(_("上门采样任务"), lambda r: r[1].home_task_label, 12),
        Column(_("检测贴"), lambda r: _("已贴") if r[0].sticker_posted else "", 8),
    ]


@login_required
def door_knocking(request: HttpRequest, pk: int, grid: int) -> HttpResponse:
    _require_check(request.user)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    grid_obj = fieldwork.grid_get(user=request.user, pk=grid)
    if wants_xlsx(request):  # printed from the page itself: its print table holds every household
        households = _knock_context(request, testing_round, grid_obj)["households"]
        return export_xlsx(
            request,
            list_name="testing.door_knocking",
            title=_("敲门行动"),
            columns=knock_columns(),
            rows=[(h, row) for h in households for row in h.rows],
            filters={"round": testing_round.pk, "grid": grid_obj.pk},
            filename="door-knocking",
        )
    # ?household=N opens that household's form in the page (without JavaScript; htmx fetches it).
    return render(request, KNOCK_PAGE, _knock_context(request, testing_round, grid_obj, open_household=_int(request.GET.get("household"))))


def _points(request: HttpRequest, grid: Grid):
    return selectors.sampling_point_list(user=request.user, community=grid.community).filter(is_active=True)


def _knock_context(
    request: HttpRequest,
    testing_round: TestingRound,
    grid: Grid,
    bound: HouseholdCheckForm | None = None,
    open_household: int | None = None,
) -> dict:
    """The grid's households to knock on. Forms only for a refused one (`bound`) and one asked for;
    the others fetch theirs when opened (household_check GET)."""
    items = selectors.door_knocking_list(user=request.user, testing_round=testing_round, grid_id=grid.pk)
    households = fieldwork.knock_households(user=request.user, testing_round=testing_round, items=items)
    for h in households:
        if bound is not None and bound.household.household_id == h.household_id:
            h.form = bound
        elif h.household_id == open_household:
            h.form = HouseholdCheckForm(household=h.item, points=_points(request, grid))
    return {
        "round": testing_round,
        "grid": grid,
        "households": households,
        "counts": fieldwork.knock_counts(items),
    }


@login_required
@require_http_methods(["GET", "POST"])
def household_check(request: HttpRequest, pk: int, household: int) -> HttpResponse:
    """GET: the household's check form (fetched when the household is opened on the list).
    POST: record a visit; htmx gets the household back (and the counts), re-read."""
    _require_check(request.user)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    hh = fieldwork.household_get(user=request.user, pk=household)
    if hh.grid_id is None:
        raise Http404
    grid = fieldwork.grid_get(user=request.user, pk=hh.grid_id)
    if request.method == "GET":
        if not request.htmx:
            url = reverse("testing:door_knocking", args=[testing_round.pk, grid.pk])
            return redirect(f"{url}?household={hh.pk}#household-{hh.pk}")
        context = _knock_context(request, testing_round, grid, open_household=hh.pk)
        current = next((h for h in context["households"] if h.household_id == hh.pk), None)
        if current is None:  # everyone in the household has been sampled meanwhile
            return HttpResponse(_("该户居民均已采样，无需核查。请刷新页面。"))
        return render(request, "testing/field/_check_form.html", {**context, "h": current, "form": current.form})
    context = _knock_context(request, testing_round, grid)
    current = next((h for h in context["households"] if h.household_id == hh.pk), None)
    if current is None:  # everyone in the household has been sampled meanwhile
        return _household_response(request, context, hh, None, status=200)
    form = HouseholdCheckForm(request.POST, household=current.item, points=_points(request, grid))
    if form.is_valid():
        checks = form.member_checks()
        try:
            services.household_check_record(
                actor=request.user,
                testing_round=testing_round,
                household=hh,
                members=checks,
                sticker=form.cleaned_data["sticker"],
                sampling_point=form.cleaned_data["sampling_point"],
            )
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_refusal(exc, checks)
        else:
            if not request.htmx:
                messages.success(request, _("%(address)s 的核查已保存") % {"address": hh.address})
                url = reverse("testing:door_knocking", args=[testing_round.pk, grid.pk])
                return redirect(f"{url}#household-{hh.pk}")
            context = _knock_context(request, testing_round, grid)
            current = next((h for h in context["households"] if h.household_id == hh.pk), None)
            return _household_response(request, context, hh, current, status=200, saved=True)
    if not request.htmx:
        return render(request, KNOCK_PAGE, _knock_context(request, testing_round, grid, bound=form), status=422)
    current.form = form
    return _household_response(request, context, hh, current, status=422)


def _household_response(
    request: HttpRequest, context: dict, household: Household, current: Any, *, status: int, saved: bool = False
) -> HttpResponse:
    if not request.htmx:
        url = reverse("testing:door_knocking", args=[context["round"].pk, context["grid"].pk])
        return redirect(f"{url}#household-{household.pk}")
    context = {**context, "h": current, "household": household, "saved": saved}
    return render(request, "testing/field/_household_response.html", context, status=status)


# ---- 上门单采 ----


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def task_columns() -> list[Column]:
    """The re-sampling tasks as exported and printed: by grid and household, as the page lists them."""
    return [
        Column(_("网格"), lambda t: t.grid.name if t.grid_id else "", 12),
        Column(_("地址"), lambda t: t.household.address if t.household_id else "", 28),
        Column(_("姓名"), lambda t: t.person.name, 12),
        Column(_("证件号码"), lambda t: t.person.id_masked, 22),
        Column(_("原因"), lambda t: t.get_reason_display(), 12),
        Column(_("状态"), lambda t: t.get_status_display(), 10),
        Column(_("原试管"), lambda t: t.origin_tube.barcode if t.origin_tube_id else "", 16),
        Column(_("单采试管"), lambda t: t.resample_tube.barcode if t.resample_tube_id else "", 16),
        Column(_("采样时间"), lambda t: t.sampled_at, 18),
        Column(_("说明"), lambda t: t.closing_note, 20),
    ]


@login_required
def resampling_tasks(request: HttpRequest, pk: int) -> HttpResponse:
    _require_check(request.user)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    grid_id = _int(request.GET.get("grid"))
    grid = fieldwork.grid_get(user=request.user, pk=grid_id) if grid_id else None
    status = request.GET.get("status", "")
    if status not in fieldwork.TASK_STATUS_FILTERS:
        status = ""
    tasks = fieldwork.resampling_tasks(user=request.user, testing_round=testing_round, grid=grid, status=status)
    if wants_xlsx(request) or wants_print(request):
        common = {
            "list_name": "testing.resampling_tasks",
            "rows": tasks.select_related("grid"),
            "filters": describe_filters({"round": testing_round.pk, "grid": grid_id, "status": status}),
        }
        if wants_xlsx(request):
            return export_xlsx(request, title=_("上门单采任务"), columns=task_columns(), filename="resampling-tasks", **common)
        where = f"{grid.community.name} {grid.name}" if grid else ""
        subtitle = " · ".join(str(x) for x in (testing_round, where, dict(ResamplingStatus.choices).get(status, "")) if x)
        columns = [*task_columns(), Column(_("签字"), lambda t: "", 10)]
        return print_list(request, title=_("上门单采任务单"), subtitle=subtitle, columns=columns, **common)
    page = paginate(request, tasks, per_page=TASKS_PER_PAGE)
    context = {
        "round": testing_round,
        "grid": grid,
        "grids": fieldwork.resampling_grids(user=request.user, testing_round=testing_round),
        "status": status,
        "status_choices": [("", _("未完成")), *ResamplingStatus.choices, ("all", _("全部"))],
        "page_obj": page,
        "groups": fieldwork.group_by_household(list(page.object_list)),
    }
    return render_page(request, TASKS_PAGE, context, partial="tasks")


@login_required
@require_POST
def resampling_collect(request: HttpRequest, pk: int, task: int) -> HttpResponse:
    """Record a home sample in a new single tube (上门单采) through services.resampling_collect."""
    _require_check(request.user)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    task_obj = fieldwork.resampling_task_get(user=request.user, testing_round=testing_round, pk=task)
    form = ResampleCollectForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            services.resampling_collect(actor=request.user, task=task_obj, barcode=form.cleaned_data["barcode"])
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_error("barcode" if exc.field in ("barcode", "") else None, exc.message)
        else:
            status = 200
            task_obj = fieldwork.resampling_task_get(user=request.user, testing_round=testing_round, pk=task)
    if not request.htmx:
        if status == 200:
            messages.success(request, _("%(name)s 已上门单采") % {"name": task_obj.person.name})
        else:
            errors = "；".join(e for errs in form.errors.values() for e in errs)
            messages.error(request, _("%(name)s 未登记：%(errors)s") % {"name": task_obj.person.name, "errors": errors})
        url = reverse("testing:resampling_tasks", args=[testing_round.pk])
        return redirect(f"{url}?grid={task_obj.grid_id}#task-{task_obj.pk}" if task_obj.grid_id else url)
    return render(request, "testing/field/_task.html", {"round": testing_round, "task": task_obj, "form": form}, status=status)


extra_urlpatterns: list = [
    path("rounds/<int:pk>/knock/", door_knocking_grids, name="door_knocking_grids"),
]
