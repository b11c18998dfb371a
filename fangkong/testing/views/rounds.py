"""快检 rounds and coverage: the list of rounds, planning one, a round's page and its status, coverage
from the city down to a household (不漏一户、不落一人), sampling points.

Views only parse the request, call selectors, planning reads and services, and render. Every round
and place comes through a scoped read, so anything outside the user's jurisdiction answers 404.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import user_can
from fangkong.core.scoping import jurisdiction_of

from .. import selectors, services
from ..forms import AreaFormSet, RoundPlanForm, RoundStatusForm, SamplingPointFilter, SamplingPointForm
from ..permissions import TestingCap
from ..selectors import door_sampling, planning

COVERAGE_PER_PAGE = 50
COVERAGE_SORTS = {
    "": lambda r: (r.place_id is None, r.place_id or 0),
    "missing": lambda r: (-r.missing, r.place_id or 0),
    "rate": lambda r: (r.sampled_rate, -r.residents, r.place_id or 0),
}
AREA_PREFIX = "areas"
AREA_ROW = re.compile(rf"^{AREA_PREFIX}-\d+$")


def _require(request: HttpRequest, cap: str) -> None:
    if not user_can(request.user, cap):
        raise PermissionDenied


def _int_or_404(value: str | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise Http404 from exc


# ---- rounds ----


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.round_list(user=request.user))
    rounds = list(page.object_list)
    counts = planning.round_counts(user=request.user, rounds=rounds)
    context = {
        "page_obj": page,
        "rows": [(r, planning.scope_summary(r), counts.get(r.pk, planning.RoundCounts())) for r in rounds],
        "can_plan": user_can(request.user, TestingCap.PLAN),
        "no_jurisdiction": jurisdiction_of(request.user).is_empty,
    }
    return render_page(request, "testing/rounds/round_list.html", context, partial="rounds")


def _area_row(request: HttpRequest, form: Any, pooling: dict[str, planning.PoolingRow]) -> tuple[Any, Any, Any]:
    """One scope row: the form, its place options (for its level), the pooling its class gets."""
    level = form["level"].value()
    try:
        selected = int(form["place"].value())
    except (TypeError, ValueError):
        selected = None
    places = planning.scope_places(user=request.user, level=level, selected=selected)
    return form, places, pooling.get(form["area_class"].value() or "precaution")


def _plan_context(
    request: HttpRequest, form: RoundPlanForm, formset: Any, hours: Any, pooling: list[planning.PoolingRow], scope_errors: list[str]
) -> dict[str, Any]:
    by_class = {p.area_class: p for p in pooling}
    new_level, _place = planning.default_scope(user=request.user)
    empty = formset.empty_form
    empty.initial = {"level": "district" if new_level == "city" else new_level, "area_class": "precaution"}
    # A row removed on the page leaves a gap in the numbering: it sends nothing and is not shown again.
    forms = [f for f in formset.forms if not formset.is_bound or f.has_changed()]
    return {
        "form": form,
        "formset": formset,
        "area_rows": [_area_row(request, f, by_class) for f in forms],
        "empty_row": _area_row(request, empty, by_class),
        "levels": planning.plan_levels(user=request.user),
        "pooling": pooling,
        "pooling_map": {p.area_class: {"mode": p.mode_label, "citation": p.citation} for p in pooling},
        "scope_errors": scope_errors,
        "deadline_rule": hours,
    }


@login_required
@require_http_methods(["GET", "POST"])
def round_plan(request: HttpRequest) -> HttpResponse:
    """Plan a round: number, name, start, deadline (policy default) and the scope with each area's class."""
    _require(request, TestingCap.PLAN)
    try:
        hours, pooling = planning.deadline_rule(), planning.pooling_table()
    except DomainError as exc:  # no active policy: nothing to plan by
        messages.error(request, exc.message)
        return redirect("testing:round_list")
    deadline_help = _("留空则按现行政策（%(p)s）设为开始后 %(h)s 小时") % {"h": hours.value, "p": hours.profile_name}
    scope_errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = RoundPlanForm(request.POST, deadline_help=deadline_help)
        formset = AreaFormSet(request.POST, prefix=AREA_PREFIX)
        valid = [form.is_valid(), formset.is_valid()]  # both, so every error is shown at once
        if all(valid):
            data = form.cleaned_data
            try:
                testing_round = services.round_plan(
                    actor=request.user,
                    number=data["number"],
                    name=data["name"],
                    starts_at=data["starts_at"],
                    deadline_at=data["deadline_at"],
                    areas=[services.AreaSpec(level, place, area_class) for level, place, area_class in formset.specs()],
                )
            except DomainError as exc:
                status = 403 if isinstance(exc, PermissionRefused) else 422
                if exc.field in form.fields:
                    form.add_error(exc.field, exc.message)
                elif exc.field == "areas" or exc.rule.startswith("testing.round_scope"):
                    scope_errors.append(exc.message)
                else:
                    form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("已安排第 %(n)s 轮核酸检测：%(name)s") % {"n": testing_round.number, "name": testing_round.name}
                )
                return redirect("testing:round_detail", pk=testing_round.pk)
        else:
            status = 422
    else:
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        form = RoundPlanForm(initial={"number": planning.next_round_number(), "starts_at": start}, deadline_help=deadline_help)
        level, place = planning.default_scope(user=request.user)
        formset = AreaFormSet(prefix=AREA_PREFIX, initial=[{"level": level, "place": place, "area_class": "precaution"}])
    context = _plan_context(request, form, formset, hours, pooling, scope_errors)
    response = render(request, "testing/rounds/round_plan.html", context)
    response.status_code = status
    return response


@login_required
def round_plan_places(request: HttpRequest) -> HttpResponse:
    """htmx: the <option>s of one scope row's place select, for its level and name filter."""
    _require(request, TestingCap.PLAN)
    prefix = request.GET.get("prefix", "")
    if not AREA_ROW.match(prefix):
        raise Http404
    level = request.GET.get(f"{prefix}-level", "")
    places = planning.scope_places(user=request.user, level=level, q=request.GET.get(f"{prefix}-q", ""))
    return render(request, "testing/rounds/_place_options.html", {"level": level, "places": places, "selected": None})


def _round_links(request: HttpRequest, testing_round: Any) -> list[dict[str, Any]]:
    """The round's working pages this user's role may use."""
    user, pk = request.user, testing_round.pk
    links = [
        (None, "testing:coverage", "pie-chart", _("覆盖情况"), _("不漏一户、不落一人：逐级查看未采样的居民")),
        (TestingCap.SAMPLE, "testing:sampling", "eyedropper", _("采样登记"), _("开管、扫码登记、封管")),
        (TestingCap.LAB, "testing:lab", "clipboard2-pulse", _("实验室"), _("接收试管、上传检测结果")),
        (TestingCap.CHECK, "testing:resampling_tasks", "house-heart", _("上门单采"), _("混管阳性、结果无效、行动不便者的单采任务")),
        (
            TestingCap.CHECK,
            "testing:door_tasks",
            "house-lock",
            _("高风险区上门采样"),
            _("足不出户、上门服务：高风险区每户一项上门采样任务"),
        ),
        (None, "testing:deadline_board", "alarm", _("时限看板"), _("超过出结果时限的试管，按实验室和采样点")),
        (None, "testing:press_report", "megaphone", _("发布会通报"), _("本轮采样、结果与阳性情况的通报稿")),
    ]
    return [
        {"url": reverse(name, args=[pk]), "icon": icon, "label": label, "hint": hint}
        for cap, name, icon, label, hint in links
        if cap is None or user_can(user, cap)
    ]


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    testing_round = selectors.round_get(user=request.user, pk=pk)
    total, _districts = selectors.round_coverage(user=request.user, testing_round=testing_round)
    can_plan = user_can(request.user, TestingCap.PLAN)
    can_check = user_can(request.user, TestingCap.CHECK)
    grids, grid_total = planning.door_knocking_grids(user=request.user) if can_check else ([], 0)
    door = door_sampling.door_counts(user=request.user, testing_round=testing_round) if can_check or can_plan else None
    context = {
        "round": testing_round,
        "areas": planning.round_scope_rows(user=request.user, testing_round=testing_round),
        "total": total,
        "can_plan": can_plan,
        "status_actions": planning.round_status_actions(testing_round) if can_plan else [],
        "links": _round_links(request, testing_round),
        "grids": grids,
        "grid_total": grid_total,
        "door": door,
        "can_check": can_check,
    }
    return render(request, "testing/rounds/round_detail.html", context)


@login_required
@require_POST
def round_set_status(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, TestingCap.PLAN)
    testing_round = selectors.round_get(user=request.user, pk=pk)
    form = RoundStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未知的轮次状态"))
        return redirect("testing:round_detail", pk=testing_round.pk)
    try:
        testing_round = services.round_set_status(actor=request.user, testing_round=testing_round, status=form.cleaned_data["status"])
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("第 %(n)s 轮状态已改为“%(s)s”") % {"n": testing_round.number, "s": testing_round.get_status_display()})
    return redirect("testing:round_detail", pk=testing_round.pk)


# ---- coverage ----


@login_required
def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """不漏一户、不落一人: the totals of the city or a place, and each place one level down."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    level = request.GET.get("level") or "city"
    place = planning.coverage_place(user=request.user, level=level, pk=_int_or_404(request.GET.get("place")))
    total, children = selectors.round_coverage(
        user=request.user, testing_round=testing_round, level=level, place_id=place.pk if place is not None else None
    )
    sort = request.GET.get("sort", "")
    if sort not in COVERAGE_SORTS:
        sort = ""
    children.sort(key=COVERAGE_SORTS[sort])
    child_level = selectors.COVERAGE_LEVELS[level]["child"]
    page = paginate(request, children, per_page=COVERAGE_PER_PAGE)
    base = reverse("testing:coverage", args=[testing_round.pk])
    can_check = user_can(request.user, TestingCap.CHECK)
    residents_withheld = planning.residents_withheld(user=request.user) if level == "household" else ""
    chart = {
        "names": [c.name for c in children],
        "rates": [round(100 * c.sampled_rate, 1) for c in children],
        "urls": [f"{base}?level={child_level}&place={c.place_id}" if c.place_id is not None else "" for c in children],
        "label": _("采样率（%）"),
    }
    context = {
        "round": testing_round,
        "level": level,
        "place": place,
        "place_name": planning.place_name(level, place),
        "level_label": planning.COVERAGE_LABELS[level],
        "child_level": child_level,
        "child_label": planning.COVERAGE_LABELS[child_level] if child_level else "",
        "crumbs": planning.coverage_crumbs(place, level),
        "total": total,
        "page_obj": page,
        "rows": list(page.object_list),
        "sort": sort,
        "chart": chart,
        # 阳性 and 待单采复核 of the places one level down (None below a grid for a user who may not
        # see who tested positive: selectors.results_counted): the columns are left out.
        "results_counted": selectors.results_counted(user=request.user, level=child_level or level),
        "residents": planning.household_residents(user=request.user, testing_round=testing_round, household=place)
        if level == "household" and not residents_withheld
        else None,
        "residents_withheld": residents_withheld,
        "door_knocking_url": reverse("testing:door_knocking", args=[testing_round.pk, place.pk]) if level == "grid" and can_check else "",
        "household_check_url": reverse("testing:household_check", args=[testing_round.pk, place.pk])
        if level == "household" and can_check
        else "",
    }
    return render_page(request, "testing/rounds/coverage.html", context, partial="children")


# ---- sampling points ----


@login_required
def sampling_point_list(request: HttpRequest) -> HttpResponse:
    points = selectors.sampling_point_list(user=request.user)
    filterset = SamplingPointFilter(request.GET or None, queryset=points)
    filtered = filterset.qs if filterset.is_bound and filterset.is_valid() else points
    page = paginate(request, filtered)
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    context = {
        "filter": filterset,
        "page_obj": page,
        "communities": planning.point_communities(points=points),
        "selected_community": data.get("community"),
        "searched": any(v not in (None, "") for v in data.values()),
        "has_points": points.exists(),
        "can_add": user_can(request.user, TestingCap.POINTS),
    }
    return render_page(request, "testing/rounds/point_list.html", context, partial="points")


@login_required
@require_http_methods(["GET", "POST"])
def sampling_point_create(request: HttpRequest) -> HttpResponse:
    _require(request, TestingCap.POINTS)
    communities = planning.point_create_communities(user=request.user)
    form = SamplingPointForm(
        request.POST or None,
        initial={"community": request.GET.get("community")},
        communities=communities,
        grids=planning.point_create_grids(user=request.user),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                point = services.sampling_point_create(
                    actor=request.user,
                    community=data["community"],
                    grid=data["grid"],
                    name=data["name"],
                    address=data["address"],
                    opening_hours=data["opening_hours"],
                    staff_names=data["staff_names"],
                )
            except DomainError as exc:
                status = 403 if isinstance(exc, PermissionRefused) else 422
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已新建采样点“%(name)s”") % {"name": point.name})
                return redirect(f"{reverse('testing:sampling_point_list')}?community={point.community_id}")
        else:
            status = 422
    community_id = _int_or_none(form["community"].value())
    context = {
        "form": form,
        "grid_options": planning.point_create_grids(user=request.user, community_id=community_id) if community_id else [],
        "selected_grid": _int_or_none(form["grid"].value()),
    }
    response = render(request, "testing/rounds/point_form.html", context)
    response.status_code = status
    return response


@login_required
def sampling_point_grids(request: HttpRequest) -> HttpResponse:
    """htmx: the grid <option>s of the community chosen in the sampling-point form."""
    _require(request, TestingCap.POINTS)
    community_id = _int_or_none(request.GET.get("community"))
    grids = planning.point_create_grids(user=request.user, community_id=community_id) if community_id else []
    return render(request, "testing/rounds/_grid_options.html", {"grid_options": grids, "selected_grid": None})


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


extra_urlpatterns: list = [
    path("rounds/new/places/", round_plan_places, name="round_plan_places"),
    path("points/new/grids/", sampling_point_grids, name="sampling_point_grids"),
]
