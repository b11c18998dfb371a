"""Risk-area pages. Signed in: the areas of the user's places (a grant alone: they name no person),
one area with its clock, places, overlaps and transitions (the people missing from a screening need
zoning.residents), the declare form (zoning.declare) and the command's decisions (zoning.decide), the
map of the places in force (the buildings where cases live need cases.view).
Public, without login and rate-limited: the list of current risk areas, its JSON feed and a
printable notice — places only."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.audit.exports import export_xlsx
from fangkong.core.actions import refused_on
from fangkong.core.clock import now
from fangkong.core.csp import HEADER, policy, tile_origin
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.exports import Column, wants_xlsx
from fangkong.core.netaddr import address_block, client_address
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can, withheld
from fangkong.core.ratelimit import limit_hit
from fangkong.core.timefmt import local_minutes
from fangkong.geo.models import Compound

from . import pages, services
from .choices import AreaStatus, PlaceLevel
from .figures import ZoningFigures, zoning_figures
from .forms import DecisionForm, DeclareForm
from .lifting import lifting_status, lifting_statuses
from .map import cases_withheld, map_data, tile_url
from .permissions import ZoningCap
from .public import Answer, Publication, public_answer, public_feed_json, public_page
from .rules import naming

PUBLIC_LIMITS = ((120, 60), (2000, 3600))


@login_required
def area_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in AreaStatus.values else ""
    flagged = request.GET.get("flagged") == "1"
    q = (request.GET.get("q") or "").strip()[:50]
    areas = pages.area_list(user=request.user, status=status, q=q, flagged=flagged)
    lift = request.GET.get("lift", "")
    if lift in ("due", "overdue"):
        due, overdue = pages.lifting_board(user=request.user)
        areas = areas.filter(pk__in=[a.pk for a in (due if lift == "due" else overdue)])
    page = paginate(request, areas)
    clocks = lifting_statuses(list(page.object_list), stored=True)
    named = naming()
    at = now()
    rows = [(a, named.label(a.area_class), clocks.get(a.pk), pages.duration_days(a, at=at)) for a in page.object_list]
    context = {
        "page_obj": page,
        "rows": rows,
        "status": status,
        "flagged": flagged,
        "lift": lift,
        "q": q,
        "statuses": AreaStatus.choices,
        "can_declare": user_can(request.user, ZoningCap.DECLARE),
    }
    return render(request, "zoning/area_list.html", context)


def _detail_context(request: HttpRequest, area: Any) -> dict[str, Any]:
    named = naming()
    labels = dict(AreaStatus.choices)
    clock = lifting_status(area)
    hidden = withheld(request.user, ZoningCap.RESIDENTS)
    missing = []
    if clock is not None and clock.missing and not hidden:
        missing = pages.missing_people(clock.missing, set(clock.awaited), user=request.user)
    return {
        "area": area,
        "level_label": named.label(area.area_class),
        "places": [
            (row, named.label(row.effective_class), [(m, named.label(m.area_class)) for m in row.others]) for row in pages.area_places(area)
        ],
        "cases": pages.area_cases(area, user=request.user),
        "transitions": [(t, labels.get(t.from_status, ""), labels.get(t.to_status, "")) for t in pages.area_transitions(area)],
        "clock": clock,
        "missing": missing,
        "withheld": hidden if clock is not None and clock.missing else "",
        "can_decide": user_can(request.user, ZoningCap.DECIDE),
        "form": DecisionForm(),
    }


@login_required
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    area = pages.area_get(user=request.user, pk=pk)
    return render(request, "zoning/area_detail.html", _detail_context(request, area))


def _place_choices(compound: Compound) -> list[tuple[str, str]]:
    choices = [(f"{PlaceLevel.COMPOUND}:{compound.pk}", _("整个小区：%(n)s") % {"n": compound.name})]
    for b in compound.buildings.order_by("id").prefetch_related("units"):
        choices.append((f"{PlaceLevel.BUILDING}:{b.pk}", _("楼栋：%(n)s") % {"n": b.name}))
        choices += [(f"{PlaceLevel.UNIT}:{u.pk}", _("单元：%(b)s%(u)s") % {"b": b.name, "u": u.name}) for u in b.units.all()]
    choices.append((f"{PlaceLevel.COMMUNITY}:{compound.community_id}", _("整个社区：%(n)s（须说明理由）") % {"n": compound.community.name}))
    choices.append((f"{PlaceLevel.STREET}:{compound.street_id}", _("整个街道：%(n)s（须说明理由）") % {"n": compound.street.name}))
    return choices


@login_required
def area_declare(request: HttpRequest) -> HttpResponse:
    require_page(request.user, ZoningCap.DECLARE)
    covered = Compound.objects.covered_by(request.user).select_related("community", "street")
    compound_id = request.POST.get("compound") or request.GET.get("compound")
    compound = get_object_or_404(covered, pk=compound_id) if compound_id and str(compound_id).isdigit() else None
    q = (request.GET.get("q") or "").strip()[:40]
    found = list(covered.filter(name__icontains=q).order_by("name")[:20]) if q and compound is None else []
    form = None
    if compound is not None:
        form = DeclareForm(request.POST or None, classes=naming().choices, places=_place_choices(compound))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            with refused_on(form, fields={"cases": "cases"}):
                area = services.area_propose(
                    actor=request.user,
                    name=data["name"],
                    area_class=data["area_class"],
                    places=data["places"],
                    reason=data["reason"],
                    case_ids=data["cases"],
                    effective_at=data["effective_at"],
                    justification=data["justification"],
                )
                messages.success(request, _("已提交划定申请，等待指挥部批准。"))
                return redirect("zoning:area_detail", pk=area.pk)
    context = {"compound": compound, "form": form, "q": q, "found": found}
    return render(request, "zoning/area_declare.html", context)


def _decide(request: HttpRequest, pk: int, action: Any, done: str) -> HttpResponse:
    require_page(request.user, ZoningCap.DECIDE)
    area = pages.area_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        action(actor=request.user, area=area, reason=form.cleaned_data.get("reason", ""))
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        form.refuse(exc)
        context = _detail_context(request, area)
        context["form"] = form
        return render(request, "zoning/area_detail.html", context, status=422)
    messages.success(request, done)
    return redirect("zoning:area_detail", pk=pk)


@login_required
@require_POST
def area_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.area_approve, _("已批准，风险区域生效。"))


@login_required
@require_POST
def area_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.area_reject, _("已驳回划定申请。"))


@login_required
@require_POST
def area_lift(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.area_lift, _("已按规则解除（或降级）。"))


def _figure_rows(f: ZoningFigures) -> list[tuple[str, str, object]]:
    """The figures as (section, item, value) rows: what the page shows, as a table."""
    today, lifting, level = _("当日"), _("解除"), _("生效中（按等级）")
    rows: list[tuple[str, str, object]] = [(level, label, n) for label, n in f.by_level.items()]
    rows += [
        (_("生效中（按区县）"), f"{name} · {label}", n)
        for name, counts, _t in f.by_district
        for label, n in zip(f.levels, counts, strict=True)
    ]
    rows += [
        (today, _("申请划定"), f.proposed_today),
        (today, _("批准生效"), f.approved_today),
        (today, _("未批准"), f.rejected_today),
        (today, _("解除"), f.lifted_today),
        (today, _("待批准"), f.pending),
        (today, _("管控人数"), f.residents_under_control),
        (lifting, _("今日可解除"), f.due_today),
        (lifting, _("逾期未解除"), f.overdue),
        (lifting, _("已解除区域"), f.lifted_total),
        (lifting, _("持续天数中位数"), f.median_days if f.median_days is not None else ""),
    ]
    return rows


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    f = zoning_figures(user=request.user)
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="zoning.figures",
            title=_("风险区域数据"),
            columns=[
                Column(_("日期"), lambda r: f.day, 12),
                Column(_("类别"), lambda r: r[0], 22),
                Column(_("项目"), lambda r: r[1], 28),
                Column(_("数值"), lambda r: r[2], 10),
            ],
            rows=_figure_rows(f),
            filters={"day": f.day.isoformat()},
            filename=f"zoning-figures-{f.day:%Y%m%d}",
        )
    return render(request, "zoning/figures.html", {"f": f})


@login_required
def area_map(request: HttpRequest) -> HttpResponse:
    """The map page: Leaflet draws /zoning/map.json (static/js/zoning-map.js), without tiles unless
    FANGKONG_MAP_TILE_URL is set — then the page's img-src allows that server's origin."""
    tiles = tile_url()
    context = {
        "tile_url": tiles,
        "tile_attribution": getattr(settings, "FANGKONG_MAP_TILE_ATTRIBUTION", ""),
        "withheld": cases_withheld(request.user),
        # The words the script writes (as text, never markup): {n} is a number.
        "labels": {
            "level": _("等级"),
            "areas": _("所属风险区域"),
            "places": _("划定地点"),
            "cases": _("病例所在楼栋"),
            "caseCount": _("现有病例 {n} 例"),
            "district": _("区县轮廓（近似范围）"),
            "districtWhole": _("全区划定"),
            "summary": _("地图上 {n} 处风险区域地点"),
            "caseSummary": _("病例所在楼栋 {n} 处"),
            "unplaced": _("{n} 处无坐标"),
            "failed": _("地图数据加载失败，请刷新页面重试。"),
        },
    }
    response = render(request, "zoning/map.html", context)
    if tiles:
        response[HEADER] = policy(img_src=[tile_origin(tiles)])
    return response


@login_required
def area_map_data(request: HttpRequest) -> HttpResponse:
    return JsonResponse(map_data(user=request.user), json_dumps_params={"ensure_ascii": False})


# ---- public, without login ----

FEED_MAX_AGE = 5  # seconds


def _limited(request: HttpRequest) -> HttpResponse | None:
    windows = getattr(settings, "FANGKONG_PUBLIC_LIMITS", PUBLIC_LIMITS)
    refused = limit_hit(f"zoning:public:{address_block(client_address(request)) or 'unknown'}", windows)
    if refused is None:
        return None
    response = HttpResponse(
        _("请求过于频繁，请 %(s)s 秒后再试。") % {"s": refused.retry_after}, status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(refused.retry_after)
    return response


# A page answered to a visitor without a session or messages waiting (every resident) is the same for
# all of them but for the CSRF token of its language switch and the minute it says "截至 HH:MM": it is
# rendered once per publication, language and address (path and query) with a slot for each
# (public.public_answer: kept by the worker and in the shared cache), which every answer fills with
# its own token and the time. A visitor with a session (a signed-in worker) or messages gets the page
# rendered for them.


@functools.cache
def _slot(name: str) -> str:
    """A placeholder no data can hold: derived from the secret key (the same in every worker), never
    sent (every answer replaces it)."""
    return f"slot-{salted_hmac('fangkong.zoning.public.slot', name).hexdigest()[:32]}"


def _same_for_everyone(request: HttpRequest) -> bool:
    return not any(name in request.COOKIES for name in (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name))


def _public(request: HttpRequest, template: str) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    q = (request.GET.get("q") or "").strip()[:50]
    number, language = request.GET.get("page"), get_language() or ""
    if not _same_for_everyone(request):
        page = public_page(q=q, page=number, language=language)
        return render(request, template, {"page": page, "rows": page.rows, "q": q, "at_text": local_minutes(page.at)})

    def build(held: Publication) -> Answer:
        page = public_page(q=q, page=number, language=language, held=held)
        context = {"page": page, "rows": page.rows, "q": q, "at_text": _slot("at"), "csrf_token": _slot("csrf")}
        return Answer(render_to_string(template, context, request).encode())

    made = public_answer(("page", template, language, request.get_full_path()), build)
    body = made.body.replace(_slot("at").encode(), local_minutes(now()).encode())
    return HttpResponse(body.replace(_slot("csrf").encode(), get_token(request).encode()))


# Not `reads_from_replica`: the public list is read from the database only when a transition replaced
# its token, which happens at the commit on the primary; a replica a moment behind would give the new
# token the old rows, kept for every visitor (decision 0019).
def public_list(request: HttpRequest) -> HttpResponse:
    return _public(request, "zoning/public_list.html")


def public_notice(request: HttpRequest) -> HttpResponse:
    return _public(request, "zoning/public_notice.html")


def public_feed(request: HttpRequest) -> HttpResponse:
    limited = _limited(request)
    if limited is not None:
        return limited
    q = (request.GET.get("q") or "").strip()[:50]
    body, etag = public_feed_json(q=q, language=get_language() or "")
    # Shared caches may keep it a few seconds (a lifted area is gone from here within FEED_MAX_AGE);
    # a client revalidating with its ETag gets a 304 without the body.
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={FEED_MAX_AGE}"
    response["Vary"] = "Accept-Language, Cookie"
    return response
