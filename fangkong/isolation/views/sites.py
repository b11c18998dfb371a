"""快隔 pages of the isolation sites (集中隔离点): occupancy at a glance, a site's room plan per floor,
rooms and staff, the daily internal-management checklist with its gaps, and incidents.

Views only parse, call selectors and services, and render. Every site, room and incident comes
through a scoped selector, so anything outside the user's jurisdiction answers 404; writing needs
Cap.ISOLATION_MANAGE (403 otherwise). Site staff see their own site only. The sites' figures are
for everyone in scope; the names of the people in them only for isolation.view (need-to-know).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.actions import refused_on
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can, withheld
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.models import Community
from fangkong.policy.regimen import local_date

from .. import selectors, services
from ..choices import EpisodeStatus, RoomType
from ..forms import ChecklistForm, IncidentForm, IncidentResolveForm, RoomsForm, SiteForm, StaffForm, parse_day
from ..models import SiteStaff
from ..permissions import PEOPLE, IsolationCap
from .common import htmx, int_param, today


def hub_counts(request: HttpRequest) -> dict[str, int]:
    """The numbers on the 快隔 tabs: waiting for isolation (overdue), pending handovers, at home."""
    user = request.user
    board = selectors.awaiting_isolation_board(user=user)
    return {
        "awaiting": board.count(),
        "overdue": board.filter(is_overdue=True).count(),
        "handovers": selectors.pending_handovers(user=user).count(),
        "home": selectors.home_isolation_list(user=user).count(),
    }


@login_required
def site_list(request: HttpRequest) -> HttpResponse:
    """隔离点一览: each site's rooms, beds, people in and on the way, handovers pending, today's checklist."""
    user = request.user
    day = today()
    occupancy = selectors.site_occupancy(user=user)
    checklists = {c.site.pk: c for c in selectors.checklist_status(user=user, day=day)}
    open_incidents: dict[int, int] = defaultdict(int)
    for site_id in selectors.incident_list(user=user, open_only=True).values_list("site_id", flat=True):
        open_incidents[site_id] += 1
    rows = [
        (
            o,
            checklists.get(o.site.pk),
            open_incidents.get(o.site.pk, 0),
            [(label, o.free_rooms_by_type[value]) for value, label in RoomType.choices if o.free_rooms_by_type.get(value)],
        )
        for o in occupancy
    ]
    context = {
        "rows": rows,
        "day": day,
        "counts": hub_counts(request),
        "totals": {
            "rooms": sum(o.rooms - o.rooms_out_of_service for o in occupancy),
            "occupied": sum(o.rooms_occupied for o in occupancy),
            "people": sum(o.people_in for o in occupancy),
            "beds": sum(o.beds for o in occupancy),
            "arriving": sum(o.arriving for o in occupancy),
        },
        "can_manage": user_can(user, IsolationCap.MANAGE),
        "withheld": withheld(user, *PEOPLE),
        "no_jurisdiction": jurisdiction_of(user).is_empty,
    }
    return render(request, "isolation/sites/site_list.html", context)


def _communities(request: HttpRequest):
    return Community.objects.visible_to(request.user).select_related("street").order_by("street__name", "name")


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    status = 200
    if request.method == "POST":
        form = SiteForm(request.POST, communities=_communities(request))
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            with refused_on(form):
                site = services.site_create(actor=request.user, **{**data, "capacity": data["capacity"] or 0})
                messages.success(request, _("已新建隔离点“%(name)s”，请添加房间") % {"name": site.name})
                return redirect("isolation:room_add", pk=site.pk)
    else:
        form = SiteForm(communities=_communities(request))
    return render(request, "isolation/sites/site_form.html", {"form": form}, status=status)


# ---- one site ----


ROOM_STATES = {
    "free": gettext_lazy("空闲"),
    "partial": gettext_lazy("有空床"),
    "full": gettext_lazy("已住满"),
    "handover": gettext_lazy("已解除，待交接"),
    "out": gettext_lazy("暂停使用"),
}


def _room_state(row: selectors.RoomRow) -> str:
    if not row.room.is_active:
        return "out"
    if not row.stays:
        return "free"
    if any(s.episode.status == EpisodeStatus.RELEASED_PENDING_HANDOVER for s in row.stays):
        return "handover"
    return "full" if len(row.stays) >= row.room.capacity else "partial"


def room_floors(request: HttpRequest, site: Any) -> list[tuple[Any, list[dict[str, Any]]]]:
    """The room plan: per floor, each room with its state (the colour), how many are in it, who (to
    a role with isolation.view) and whether someone in it is due a test today."""
    due_today = {r.episode.pk for r in selectors.site_day_sheet(user=request.user, site=site, day=today())}
    named = not withheld(request.user, *PEOPLE)
    cells = []
    for row in selectors.room_board(user=request.user, site=site):
        cells.append(
            {
                "room": row.room,
                "occupants": len(row.stays),
                "stays": row.stays if named else [],
                "state": _room_state(row),
                "test_due": any(s.episode_id in due_today for s in row.stays),
            }
        )
    return [(floor, list(group)) for floor, group in groupby(cells, key=lambda c: c["room"].floor)]


def _site_context(request: HttpRequest, site: Any, *, staff_form: StaffForm | None = None) -> dict[str, Any]:
    user = request.user
    occupancy = selectors.site_occupancy(user=user, site=site)
    floors = room_floors(request, site)
    states: dict[str, int] = defaultdict(int)
    for _floor, cells in floors:
        for c in cells:
            states[c["state"]] += 1
    can_manage = user_can(user, IsolationCap.MANAGE)
    hidden = withheld(user, *PEOPLE)
    arriving = {"status": EpisodeStatus.IN_TRANSIT, "site_id": site.pk}
    return {
        "site": site,
        "occupancy": occupancy[0] if occupancy else None,
        "floors": floors,
        "legend": [(key, label, states.get(key, 0)) for key, label in ROOM_STATES.items()],
        "withheld": hidden,
        "residents": [] if hidden else list(selectors.residents(user=user, site=site).select_related("site")),
        "arriving": [] if hidden else list(selectors.episode_list(user=user, filters=arriving)),
        "staff": list(SiteStaff.objects.visible_to(user).filter(site=site, is_active=True)),
        "staff_form": staff_form or (StaffForm() if can_manage else None),
        "open_incidents": selectors.incident_list(user=user, open_only=True).filter(site=site).count(),
        "checklist": next((c for c in selectors.checklist_status(user=user, day=today()) if c.site.pk == site.pk), None),
        "can_manage": can_manage,
        "today": today(),
    }


@login_required
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = selectors.site_get(user=request.user, pk=pk)
    return render(request, "isolation/sites/site_detail.html", _site_context(request, site))


@login_required
def room_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the room plan alone (refreshed every minute on the site page)."""
    site = selectors.site_get(user=request.user, pk=pk)
    context = {"site": site, "floors": room_floors(request, site), "withheld": withheld(request.user, *PEOPLE)}
    return render(request, "isolation/sites/_room_grid.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def room_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    site = selectors.site_get(user=request.user, pk=pk)
    status = 200
    if request.method == "POST":
        form = RoomsForm(request.POST)
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            specs = services.rooms_by_floor(data["floors"], data["per_floor"], room_type=data["room_type"], capacity=data["capacity"])
            with refused_on(form, fields={"rooms": "floors"}):
                created = services.room_create_many(actor=request.user, site=site, rooms=specs)
                messages.success(
                    request,
                    _("已添加 %(n)s 个房间（%(first)s–%(last)s）")
                    % {"n": len(created), "first": created[0].number, "last": created[-1].number},
                )
                return redirect("isolation:site_detail", pk=site.pk)
    else:
        form = RoomsForm()
    context = {"site": site, "form": form, "occupancy": selectors.site_occupancy(user=request.user, site=site)}
    return render(request, "isolation/sites/room_form.html", context, status=status)


@login_required
@require_POST
def staff_add(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    site = selectors.site_get(user=request.user, pk=pk)
    form = StaffForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            staff = services.staff_add(actor=request.user, site=site, **form.cleaned_data)
            if not htmx(request):
                messages.success(request, _("已添加工作人员 %(name)s") % {"name": staff.name})
                return redirect(f"{reverse('isolation:site_detail', args=[site.pk])}#staff")
            context = _site_context(request, site)
            return render(request, "isolation/sites/_staff.html", {**context, "saved": staff})
    context = _site_context(request, site, staff_form=form)
    if htmx(request):
        return render(request, "isolation/sites/_staff.html", context, status=422)
    return render(request, "isolation/sites/site_detail.html", context, status=422)


# ---- the daily internal-management checklist ----


def _checklist_initial(site: Any, day: Any, existing: Any) -> dict[str, Any]:
    if existing is not None:
        fields = ("cleaning_done", "disinfection_done", *ChecklistForm.MEALS, *ChecklistForm.STAFF, "note")
        return {"day": day, **{f: getattr(existing, f) for f in fields}}
    staff = SiteStaff.objects.filter(site=site, is_active=True).count()
    return {"day": day, "staff_on_duty": staff}


@login_required
@require_http_methods(["GET", "POST"])
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    """One site's checklist for a day (default today) and the last two weeks with their gaps."""
    site = selectors.site_get(user=request.user, pk=pk)
    can_manage = user_can(request.user, IsolationCap.MANAGE)
    day = parse_day(request.GET.get("day"), today())
    status = 200
    if request.method == "POST":
        require_page(request.user, IsolationCap.MANAGE)
        form = ChecklistForm(request.POST)
        status = 422
        if form.is_valid():
            data = dict(form.cleaned_data)
            day = data.pop("day")
            with refused_on(form):
                saved = services.checklist_record(actor=request.user, site=site, day=day, **data)
                if saved.gaps:
                    messages.warning(request, _("%(d)s 的检查已保存，发现 %(n)s 项问题") % {"d": day.isoformat(), "n": len(saved.gaps)})
                else:
                    messages.success(request, _("%(d)s 的检查已保存，未发现问题") % {"d": day.isoformat()})
                return redirect(f"{reverse('isolation:checklist', args=[site.pk])}?day={day.isoformat()}")
    history = selectors.site_checklists(user=request.user, site=site)
    existing = next((c for c in history if c.date == day), None)
    if request.method != "POST":
        form = ChecklistForm(initial=_checklist_initial(site, day, existing)) if can_manage else None
    by_date = {c.date: c for c in history}
    # A day is missing only once the site exists (or has filed a checklist, whichever is earlier).
    first = min([local_date(site.created_at), *by_date])
    days = [d for d in (today() - dt.timedelta(days=i) for i in range(14)) if d >= first]
    context = {
        "site": site,
        "day": day,
        "form": form,
        "existing": existing,
        "occupied_rooms": services.occupied_rooms_on(site, day),
        "history": [(d, by_date.get(d)) for d in days],
        "can_manage": can_manage,
    }
    return render(request, "isolation/sites/checklist.html", context, status=status)


@login_required
def checklist_board(request: HttpRequest) -> HttpResponse:
    """Every site's checklist for a day; a missing checklist is a gap, and sites with gaps come first."""
    day = parse_day(request.GET.get("day"), today())
    rows = selectors.checklist_status(user=request.user, day=day)
    context = {"day": day, "rows": rows, "with_gaps": sum(1 for r in rows if r.has_gaps), "counts": hub_counts(request)}
    return render(request, "isolation/sites/checklist_board.html", context)


# ---- incidents ----


def _incident_context(request: HttpRequest, *, bound: IncidentResolveForm | None = None, bound_pk: int | None = None) -> dict[str, Any]:
    show = request.GET.get("show", "open")
    incidents = selectors.incident_list(user=request.user, open_only=show != "all").select_related("episode__person", "reported_by")
    site_id = int_param(request, "site")
    site = selectors.site_get(user=request.user, pk=site_id) if site_id else None
    if site is not None:
        incidents = incidents.filter(site=site)
    page = paginate(request, incidents)
    can_manage = user_can(request.user, IsolationCap.MANAGE)
    for incident in page.object_list:
        incident.form = None
        if can_manage and incident.resolved_at is None:
            incident.form = bound if incident.pk == bound_pk else IncidentResolveForm(prefix=f"i{incident.pk}")
    return {
        "page_obj": page,
        "show": show,
        "site": site,
        "sites": selectors.site_list(user=request.user),
        "can_manage": can_manage,
        "withheld": withheld(request.user, *PEOPLE),
        "counts": hub_counts(request),
    }


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """Incidents (open ones by default; ?show=all), of every site in scope or of one (?site=)."""
    return render(request, "isolation/sites/incident_list.html", _incident_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def incident_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    site = selectors.site_get(user=request.user, pk=pk)
    status = 200
    if request.method == "POST":
        form = IncidentForm(request.POST, site=site)
        status = 422
        if form.is_valid():
            with refused_on(form):
                services.incident_record(actor=request.user, site=site, **form.cleaned_data)
                messages.success(request, _("已登记突发事件"))
                return redirect(f"{reverse('isolation:incident_list')}?site={site.pk}")
    else:
        form = IncidentForm(site=site)
    return render(request, "isolation/sites/incident_form.html", {"site": site, "form": form}, status=status)


@login_required
@require_POST
def incident_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    incident = selectors.incident_get(user=request.user, pk=pk)
    form = IncidentResolveForm(request.POST, prefix=f"i{incident.pk}")
    if form.is_valid():
        with refused_on(form, fields={"at": "resolution"}):
            incident = services.incident_resolve(actor=request.user, incident=incident, resolution=form.cleaned_data["resolution"])
            if not htmx(request):
                messages.success(request, _("事件已处置完毕"))
                return redirect(f"{reverse('isolation:incident_list')}?site={incident.site_id}&show=all#incident-{incident.pk}")
            incident.form = None
            context = {"incident": incident, "can_manage": True, "withheld": withheld(request.user, *PEOPLE)}
            return render(request, "isolation/sites/_incident.html", context)
    if not htmx(request):
        context = _incident_context(request, bound=form, bound_pk=incident.pk)
        return render(request, "isolation/sites/incident_list.html", context, status=422)
    incident.form = form
    context = {"incident": incident, "can_manage": True, "withheld": withheld(request.user, *PEOPLE)}
    return render(request, "isolation/sites/_incident.html", context, status=422)
