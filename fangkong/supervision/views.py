"""督导's pages: the day's rounds (home), an inspection recorded on a phone, the rectifications and
their evidence and verification, the photos (through a scoped view only), accountability."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from fangkong.audit.exports import export_xlsx
from fangkong.core.actions import refused_on
from fangkong.core.exports import Column, wants_xlsx
from fangkong.core.filestore import download_response
from fangkong.core.periods import PeriodForm
from fangkong.core.permissions import require_page, user_can
from fangkong.geo.models import District

from . import selectors
from .choices import RectificationStatus
from .forms import AssignmentForm, FixForm, InspectionForm, TeamForm, VerifyForm
from .permissions import SupervisionCap
from .scope import assignments_visible, is_inspector, teams_visible
from .services.inspections import FindingInput, assignment_checked, inspection_record
from .services.rectifications import rectification_fix, rectification_verify
from .services.teams import assignment_create, team_create
from .teams import inspectors_for, places_for

FIGURE_LABELS = {
    "findings": gettext_lazy("发现问题"),
    "on_time": gettext_lazy("按时整改"),
    "late": gettext_lazy("逾期整改"),
    "open": gettext_lazy("未销号"),
}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    require_page(request.user, SupervisionCap.VIEW)
    now = timezone.now()
    day = timezone.localdate()
    rounds = selectors.day_rounds(user=request.user, day=day, now=now)
    context = {
        "rounds": rounds,
        "day": day,
        "missing": sum(len(r.missing) for r in rounds),
        "inspector": is_inspector(request.user),
        "overdue": selectors.overdue_rectifications(request.user, now).count(),
        "open": selectors.open_rectifications(request.user, now).count(),
        "inspections": selectors.inspection_list(user=request.user, day=day)[:50],
    }
    return render(request, "supervision/home.html", context)


def _assignment_from(request: HttpRequest):
    raw = request.POST.get("assignment") or request.GET.get("assignment") or ""
    if not raw.isdigit():
        return None, None
    return int(raw), assignments_visible(request.user).filter(pk=int(raw)).first()


@login_required
def inspection_new(request: HttpRequest) -> HttpResponse:
    require_page(request.user, SupervisionCap.INSPECT)
    assignment_id, assignment = _assignment_from(request)
    if request.method != "POST" and assignment is None:
        assignments = selectors.assignments_on(user=request.user, day=timezone.localdate())
        return render(request, "supervision/inspection_pick.html", {"assignments": assignments})
    form = InspectionForm(request.POST or None, request.FILES or None, assignment=assignment, initial={"assignment": assignment_id})
    if request.method == "POST" and assignment is None:
        with refused_on(form):  # not one of the inspector's places: the service's refusal, before anything else
            assignment_checked(request.user, assignment_id or 0, timezone.now())
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        findings = []
        if (data.get("finding") or "").strip():
            findings.append(FindingInput(data["finding"], data["owner"], data["deadline"], data.get("photo"), data.get("finding_item")))
        with refused_on(form, fields={"finding": "finding", "answers": None}):
            inspection = inspection_record(
                actor=request.user,
                assignment_id=data["assignment"],
                inspected_at=data["inspected_at"],
                answers=form.answers(),
                findings=findings,
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                note=data.get("note") or "",
            )
            messages.success(request, _("督导检查已记录。"))
            return redirect("supervision:inspection_detail", pk=inspection.pk)
    context = {"form": form, "assignment": assignment}
    return render(request, "supervision/inspection_new.html", context, status=422 if form.errors else 200)


@login_required
@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, SupervisionCap.VIEW)
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    context = {
        "inspection": inspection,
        "answers": inspection.answers.select_related("item").order_by("item__order"),
        "rectifications": inspection.rectifications.select_related("owner"),
    }
    return render(request, "supervision/inspection_detail.html", context)


@login_required
@require_GET
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, SupervisionCap.VIEW)
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    now = timezone.now()
    rounds = selectors.rounds_for([assignment], day=timezone.localdate(), now=now)[0]
    context = {
        "assignment": assignment,
        "rounds": rounds,
        "inspections": assignment.inspections.select_related("inspector")[:50],
        "can_inspect": is_inspector(request.user),
    }
    return render(request, "supervision/assignment_detail.html", context)


@login_required
@require_GET
def rectification_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, SupervisionCap.VIEW)
    status = request.GET.get("status", "")
    if status and status != "overdue" and status not in RectificationStatus.values:
        status = ""
    rows = selectors.rectification_list(user=request.user, status=status)[:200]
    context = {"rows": rows, "status": status, "statuses": RectificationStatus.choices, "now": timezone.now()}
    return render(request, "supervision/rectification_list.html", context)


def _detail(request: HttpRequest, rect, *, fix_form=None, verify_form=None, status: int = 200) -> HttpResponse:
    user = request.user
    can_fix = user_can(user, SupervisionCap.RECTIFY) and rect.status in (RectificationStatus.OPEN, RectificationStatus.RETURNED)
    can_verify = is_inspector(user) and rect.status == RectificationStatus.SUBMITTED and rect.owner_id != user.pk
    context = {
        "rect": rect,
        "fix_form": fix_form or (FixForm() if can_fix else None),
        "verify_form": verify_form or (VerifyForm() if can_verify else None),
        "now": timezone.now(),
    }
    return render(request, "supervision/rectification_detail.html", context, status=status)


@login_required
@require_GET
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, SupervisionCap.VIEW)
    return _detail(request, selectors.rectification_get(user=request.user, pk=pk))


@login_required
@require_POST
def rectification_fix_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, SupervisionCap.RECTIFY)
    rect = selectors.rectification_get(user=request.user, pk=pk)
    form = FixForm(request.POST, request.FILES)
    if form.is_valid():
        with refused_on(form, fields={"status": None}):
            rectification_fix(
                actor=request.user, rectification=rect, evidence=form.cleaned_data["evidence"], photo=form.cleaned_data["photo"]
            )
            messages.success(request, _("整改证据已提交，等待督导组验证。"))
            return redirect("supervision:rectification_detail", pk=rect.pk)
    return _detail(request, rect, fix_form=form, status=422)


@login_required
@require_POST
def rectification_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, SupervisionCap.INSPECT)
    rect = selectors.rectification_get(user=request.user, pk=pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        accepted = form.cleaned_data["decision"] == "verified"
        with refused_on(form, fields={"status": None, "verified_by": None}):
            rectification_verify(actor=request.user, rectification=rect, accepted=accepted, note=form.cleaned_data["note"])
            messages.success(request, _("整改已验证销号。") if accepted else _("整改已退回。"))
            return redirect("supervision:rectification_detail", pk=rect.pk)
    return _detail(request, rect, verify_form=form, status=422)


@login_required
@require_GET
def photo(request: HttpRequest, pk: int, which: str) -> HttpResponse:
    """A finding's or a fix's photo, to those who see the rectification (never a public URL)."""
    require_page(request.user, SupervisionCap.VIEW)
    rect = selectors.rectification_get(user=request.user, pk=pk)
    stored, kind = (rect.finding_photo, rect.finding_photo_type) if which == "finding" else (rect.evidence_photo, rect.evidence_photo_type)
    if which not in ("finding", "evidence") or not stored:
        raise Http404
    response = download_response(stored.open("rb"), filename=f"{which}-{rect.pk}.{kind.rsplit('/', 1)[-1]}", content_type=kind)
    response["Content-Disposition"] = response["Content-Disposition"].replace("attachment", "inline", 1)
    return response


def accountability_columns() -> list[Column]:
    """The page's table as exported: the owner unit and the responsible person as the page shows
    them, then each figure's count — nothing the page does not show (no finding's text, no item)."""
    return [
        Column(_("责任单位"), lambda r: r.unit, 20),
        Column(_("责任人"), lambda r: r.person, 12),
        *[Column(str(label), (lambda r, f=figure: r.count(f)), 10) for figure, label in FIGURE_LABELS.items()],
    ]


@login_required
@require_GET
def accountability(request: HttpRequest) -> HttpResponse:
    """跟踪问效 per owner unit and responsible person over a period; a figure opens its items below
    the table; `?format=xlsx` exports the table (audited, the same rows: the same scoped selector)."""
    require_page(request.user, SupervisionCap.VIEW)
    form = PeriodForm.for_request(request.GET, timezone.localdate())  # at most MAX_DAYS, as the units' page
    rows, items, picked = [], [], None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = selectors.accountability(user=request.user, start=start, end=end)
        if wants_xlsx(request):
            return export_xlsx(
                request,
                list_name="supervision.accountability",
                title=_("跟踪问效：督导整改"),
                columns=accountability_columns(),
                rows=rows,
                filters={"start": start.isoformat(), "end": end.isoformat()},
                filename=f"supervision-accountability-{start:%Y%m%d}-{end:%Y%m%d}",
            )
        figure, owner, unit = request.GET.get("figure", ""), request.GET.get("owner", ""), request.GET.get("unit", "")
        for row in rows:
            if figure in FIGURE_LABELS and str(row.owner_id) == owner and row.unit == unit:
                picked = (row, FIGURE_LABELS[figure])
                items = selectors.rectification_list(user=request.user).filter(pk__in=row.items[figure])
    context = {"form": form, "rows": rows, "items": items, "picked": picked, "labels": FIGURE_LABELS, "now": timezone.now()}
    if form.is_valid():
        context["export_query"] = f"start={form.cleaned_data['start'].isoformat()}&end={form.cleaned_data['end'].isoformat()}&format=xlsx"
    return render(request, "supervision/accountability.html", context, status=200 if form.is_valid() else 422)


def _team_form(user: Any, data: Any = None) -> TeamForm:
    return TeamForm(data, districts=District.objects.covered_by(user).order_by("code"), inspectors=inspectors_for(user))


def _team_page(request: HttpRequest, *, team_form=None, assignment_form=None, status: int = 200) -> HttpResponse:
    """The teams page: the teams the user sees and, for a manager, the forms to form a team and to
    assign a place (a refused one kept with its errors)."""
    user = request.user
    context: dict[str, Any] = {"teams": teams_visible(user).prefetch_related("members", "assignments")}
    if user_can(user, SupervisionCap.MANAGE):
        context |= {
            "team_form": team_form or _team_form(user),
            "assignment_form": assignment_form or AssignmentForm(teams=teams_visible(user), places=places_for(user)),
            "team_action": reverse("supervision:team_new"),
            "assign_action": reverse("supervision:assignment_new"),
        }
    return render(request, "supervision/team_list.html", context, status=status)


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, SupervisionCap.VIEW)
    return _team_page(request)


@login_required
@require_POST
def team_new(request: HttpRequest) -> HttpResponse:
    require_page(request.user, SupervisionCap.MANAGE)
    form = _team_form(request.user, request.POST)
    if form.is_valid():
        with refused_on(form):
            team_create(actor=request.user, **form.cleaned_data)
            messages.success(request, _("督导组已组建。"))
            return redirect("supervision:team_list")
    return _team_page(request, team_form=form, status=422)


@login_required
@require_POST
def assignment_new(request: HttpRequest) -> HttpResponse:
    require_page(request.user, SupervisionCap.MANAGE)
    form = AssignmentForm(request.POST, teams=teams_visible(request.user), places=places_for(request.user))
    if form.is_valid():
        kind, pk = form.place_of()
        data = form.cleaned_data
        with refused_on(form, fields={"place_id": "place"}):
            assignment_create(
                actor=request.user, team=data["team"], place_kind=kind, place_id=pk, starts_on=data["starts_on"], ends_on=data["ends_on"]
            )
            messages.success(request, _("点位已分派。"))
            return redirect("supervision:team_list")
    return _team_page(request, assignment_form=form, status=422)
