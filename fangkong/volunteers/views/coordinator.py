"""The coordinator's pages: volunteers (list, one volunteer: verify, approve, reject, personal link),
the .xlsx import, organisations and teams, service points (their needs and QR code), one need (who
is on it, assign, record no-shows). Lists need volunteers.view and a grant; writes volunteers.manage.
The name search posts (a name never goes in a URL: fangkong.core.searches); a field-work block says
the volunteer's status only to a user who may see it (fangkong.volunteers.fitness)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.audit.exports import export_csv
from fangkong.core import searches
from fangkong.core.actions import refused_on
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused, RateLimited
from fangkong.core.exports import Column, wants_csv
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can
from fangkong.core.rows import RowsRefused
from fangkong.geo.models import Community
from fangkong.policy.regimen import local_date

from .. import selectors, services
from ..choices import HOLDING, VolunteerStatus
from ..fitness import field_work_block, field_work_blocks
from ..forms import ApproveForm, AssignForm, DayForm, ImportForm, NeedForm, OrganisationForm, PointForm, RejectForm, TaskTypeForm, TeamForm
from ..models import Assignment, Organisation, TaskType, Volunteer
from ..permissions import VolunteersCap
from ..services.applications import skills_label
from ..services.shifts import span
from ..tokens import POINT_CODE_AGE, point_code
from .public import qr_svg


def _refused(exc: PermissionRefused) -> PermissionDenied:
    return PermissionDenied(exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_list(request: HttpRequest) -> HttpResponse:
    """The filter form posts; the results are shown at ?s=<token> (a status or organisation alone may
    still come in a link's query, e.g. the import's ?status=applied; a name in a URL is ignored)."""
    require_page(request.user, VolunteersCap.VIEW)
    if request.method == "POST":
        return searches.after_post(request, request.POST.copy(), lambda found: _volunteer_list_page(request, found))
    return _volunteer_list_page(request, searches.criteria(request))


def _volunteer_list_page(request: HttpRequest, found: searches.Criteria) -> HttpResponse:
    status = found.data.get("status", "")
    q = (found.data.get("q") or "").strip()[:32]
    raw_org = found.data.get("organisation", "")
    org = int(raw_org) if raw_org.isdigit() else None
    page = paginate(request, selectors.volunteer_list(user=request.user, status=status, organisation_id=org, q=q))
    context = {
        "page": page,
        "status": status,
        "q": q,
        "search": found,
        "organisation": org,
        "statuses": VolunteerStatus.choices,
        "organisations": Organisation.objects.visible_to(request.user),
        "can_manage": user_can(request.user, VolunteersCap.MANAGE),
    }
    return render(request, "volunteers/volunteer_list.html", context)


def _detail(request: HttpRequest, v: Volunteer, *, status: int = 200, **extra: Any) -> HttpResponse:
    held = v.status in (VolunteerStatus.VERIFIED, VolunteerStatus.APPROVED)
    context = {
        "v": v,
        "skills": skills_label(v.skill_codes),
        "blocked": field_work_block(v, now(), user=request.user) if held else "",
        "record": selectors.service_record(v),
        "can_manage": user_can(request.user, VolunteersCap.MANAGE),
        "approve_form": extra.pop("approve_form", None) or ApproveForm(initial={"field_work": True}),
        "reject_form": extra.pop("reject_form", None) or RejectForm(),
        **extra,
    }
    return render(request, "volunteers/volunteer_detail.html", context, status=status)


@login_required
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW)
    return _detail(request, selectors.volunteer_get(user=request.user, pk=pk))


def _decide(request: HttpRequest, pk: int) -> Volunteer:
    require_page(request.user, VolunteersCap.VIEW, VolunteersCap.MANAGE)
    return selectors.volunteer_get(user=request.user, pk=pk)


@login_required
@require_POST
def volunteer_verify(request: HttpRequest, pk: int) -> HttpResponse:
    v = _decide(request, pk)
    try:
        v = services.volunteer_verify(actor=request.user, volunteer=v)
    except PermissionRefused as exc:
        raise _refused(exc) from exc
    except RateLimited as exc:  # the number-search limit (the look-up is a search by full number)
        return _detail(request, v, status=429, error=exc.message)
    except DomainError as exc:
        return _detail(request, v, status=422, error=exc.message)
    messages.success(request, _("已核验：%(n)s") % {"n": _("已与人口登记库匹配") if v.person_id else v.decision_note})
    return redirect("volunteers:volunteer_detail", pk=v.pk)


@login_required
@require_POST
def volunteer_approve(request: HttpRequest, pk: int) -> HttpResponse:
    v = _decide(request, pk)
    form = ApproveForm(request.POST)
    form.is_valid()
    try:
        services.volunteer_approve(actor=request.user, volunteer=v, field_work=bool(form.cleaned_data.get("field_work")))
    except PermissionRefused as exc:
        raise _refused(exc) from exc
    except DomainError as exc:
        return _detail(request, v, status=422, error=exc.message, approve_form=form)
    messages.success(request, _("已批准"))
    return redirect("volunteers:volunteer_detail", pk=v.pk)


@login_required
@require_POST
def volunteer_reject(request: HttpRequest, pk: int) -> HttpResponse:
    v = _decide(request, pk)
    form = RejectForm(request.POST)
    try:
        services.volunteer_reject(actor=request.user, volunteer=v, reason=form.data.get("reason", ""))
    except PermissionRefused as exc:
        raise _refused(exc) from exc
    except DomainError as exc:
        return _detail(request, v, status=422, error=exc.message, reject_form=form)
    messages.success(request, _("已记录不批准"))
    return redirect("volunteers:volunteer_detail", pk=v.pk)


@login_required
@require_POST
def volunteer_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A new personal link, shown once on this page (never put in a redirect or a message)."""
    v = _decide(request, pk)
    try:
        token = services.personal_link_issue(actor=request.user, volunteer=v)
    except PermissionRefused as exc:
        raise _refused(exc) from exc
    except DomainError as exc:
        return _detail(request, v, status=422, error=exc.message)
    link = request.build_absolute_uri(reverse("volunteers:personal_link", args=[token]))
    return _detail(request, v, link=link, link_qr=mark_safe(qr_svg(link)))  # noqa: S308 — our own SVG


@login_required
def volunteer_import(request: HttpRequest) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW, VolunteersCap.MANAGE)
    form, errors, status = ImportForm(), [], 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                n = services.volunteers_import(actor=request.user, rows=services.read_xlsx(form.cleaned_data["file"].read()))
            except RowsRefused as exc:
                errors, status = exc.errors, 422
            except DomainError as exc:
                form.add_error("file", exc.message)
                status = 422
            else:
                messages.success(request, _("已受理 %(n)s 份报名，待核验") % {"n": n})
                return redirect(reverse("volunteers:volunteer_list") + "?status=applied")
        else:
            status = 422
    return render(request, "volunteers/volunteer_import.html", {"form": form, "errors": errors}, status=status)


# ---- organisations and teams ----


def _org_choices(user: Any) -> list[tuple[int, str]]:
    return list(Organisation.objects.visible_to(user).values_list("pk", "name"))


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW)
    can_manage = user_can(request.user, VolunteersCap.MANAGE)
    communities = Community.objects.covered_by(request.user)
    org_form = OrganisationForm(communities=communities)
    leaders = list(
        Volunteer.objects.visible_to(request.user)
        .filter(status=VolunteerStatus.APPROVED, organisation__isnull=False)
        .values_list("pk", "name")
    )
    team_form = TeamForm(organisations=_org_choices(request.user), leaders=leaders)
    status = 200
    if request.method == "POST":
        require_page(request.user, VolunteersCap.MANAGE)
        try:
            if request.POST.get("form") == "team":
                team_form = TeamForm(request.POST, organisations=_org_choices(request.user), leaders=leaders)
                if team_form.is_valid():
                    d = team_form.cleaned_data
                    org = get_object_or_404(Organisation.objects.visible_to(request.user), pk=int(d["organisation"]))
                    leader = Volunteer.objects.visible_to(request.user).filter(pk=int(d["leader"])).first() if d["leader"] else None
                    with refused_on(team_form):
                        services.team_add(actor=request.user, organisation=org, name=d["name"], leader=leader)
                        return redirect("volunteers:organisation_list")
            else:
                org_form = OrganisationForm(request.POST, communities=communities)
                if org_form.is_valid():
                    d = org_form.cleaned_data
                    community = communities.filter(pk=int(d["community"])).first() if d["community"] else None
                    with refused_on(org_form):
                        services.organisation_add(actor=request.user, name=d["name"], kind=d["kind"], community=community)
                        return redirect("volunteers:organisation_list")
        except PermissionRefused as exc:
            raise _refused(exc) from exc
        status = 422
    context = {
        "organisations": selectors.organisation_list(user=request.user),
        "org_form": org_form,
        "team_form": team_form,
        "can_manage": can_manage,
    }
    return render(request, "volunteers/organisation_list.html", context, status=status)


# ---- service points and needs ----


@login_required
def point_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW)
    communities = Community.objects.covered_by(request.user)
    form = PointForm(communities=communities, organisations=_org_choices(request.user))
    task_form = TaskTypeForm()
    status = 200
    if request.method == "POST":
        require_page(request.user, VolunteersCap.MANAGE)
        try:
            if request.POST.get("form") == "task_type":
                task_form = TaskTypeForm(request.POST)
                if task_form.is_valid():
                    with refused_on(task_form):
                        services.task_type_add(
                            actor=request.user, name=task_form.cleaned_data["name"], field_work=task_form.cleaned_data["field_work"]
                        )
                        return redirect("volunteers:point_list")
            else:
                form = PointForm(request.POST, communities=communities, organisations=_org_choices(request.user))
                if form.is_valid():
                    d = form.cleaned_data
                    community = get_object_or_404(communities, pk=int(d["community"]))
                    org = (
                        Organisation.objects.visible_to(request.user).filter(pk=int(d["organisation"])).first()
                        if d["organisation"]
                        else None
                    )
                    with refused_on(form):
                        point = services.point_add(
                            actor=request.user, name=d["name"], kind=d["kind"], community=community, organisation=org
                        )
                        return redirect("volunteers:point_detail", pk=point.pk)
        except PermissionRefused as exc:
            raise _refused(exc) from exc
        status = 422
    day_form = DayForm(request.GET or None)
    day = (day_form.cleaned_data["day"] if day_form.is_valid() else None) or local_date(now())
    attendance = selectors.point_day_attendance(user=request.user, day=day)
    if request.method == "GET" and wants_csv(request):
        return export_csv(
            request,
            list_name="volunteers.point_day_attendance",
            title=_("计划与到岗"),
            columns=attendance_columns(),
            rows=attendance,
            filters={"day": day.isoformat()},
            filename=f"attendance-{day:%Y%m%d}",
        )
    context = {
        "page": paginate(request, selectors.point_list(user=request.user)),
        "day_form": day_form,
        "day": day,
        "attendance": attendance,
        "attendance_total": selectors.attendance_total(attendance),
        "form": form,
        "task_form": task_form,
        "task_types": TaskType.objects.all(),
        "can_manage": user_can(request.user, VolunteersCap.MANAGE),
    }
    return render(request, "volunteers/point_list.html", context, status=status)


def attendance_columns() -> list[Column]:
    """The plan-against-actual table as exported: the page's columns, one row per service point."""
    return [
        Column(_("服务点"), lambda r: r.name, 24),
        Column(_("社区"), lambda r: r.community, 18),
        Column(_("需求"), lambda r: r.needs, 8),
        Column(_("需要人数"), lambda r: r.published, 10),
        Column(_("已报名"), lambda r: r.signed_up, 10),
        Column(_("已到岗"), lambda r: r.checked_in, 10),
        Column(_("未到岗"), lambda r: r.no_shows, 10),
        Column(_("缺口"), lambda r: r.short, 8),
    ]


def _task_choices() -> list[tuple[int, str]]:
    return list(TaskType.objects.filter(active=True).values_list("pk", "name"))


@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW)
    point = selectors.point_get(user=request.user, pk=pk)
    form = NeedForm(task_types=_task_choices())
    status = 200
    if request.method == "POST":
        require_page(request.user, VolunteersCap.MANAGE)
        form = NeedForm(request.POST, task_types=_task_choices())
        if form.is_valid():
            d = form.cleaned_data
            try:
                need = services.need_publish(
                    actor=request.user,
                    point=point,
                    task_type=get_object_or_404(TaskType, pk=int(d["task_type"])),
                    starts_at=d["starts_at"],
                    ends_at=d["ends_at"],
                    headcount=d["headcount"],
                    skill=d["skill"],
                )
            except PermissionRefused as exc:
                raise _refused(exc) from exc
            except DomainError as exc:
                form.refuse(exc)
            else:
                messages.success(request, _("已发布用人需求"))
                return redirect("volunteers:need_detail", pk=need.pk)
        status = 422
    at = now()
    needs = selectors.with_taken(point.needs.filter(ends_at__gt=at - POINT_CODE_AGE)).select_related("task_type").order_by("starts_at")
    code_url = request.build_absolute_uri(reverse("volunteers:scan", args=[point_code(point)]))
    context = {
        "point": point,
        "needs": [(n, span(n.starts_at, n.ends_at)) for n in needs],
        "form": form,
        "can_manage": user_can(request.user, VolunteersCap.MANAGE),
        "qr": mark_safe(qr_svg(code_url)),  # noqa: S308 — our own SVG
        "code_url": code_url,
        "valid_until": at + POINT_CODE_AGE,
    }
    return render(request, "volunteers/point_detail.html", context, status=status)


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, VolunteersCap.VIEW)
    need = selectors.need_get(user=request.user, pk=pk)
    candidates = list(
        Volunteer.objects.visible_to(request.user)
        .filter(status=VolunteerStatus.APPROVED)
        .exclude(assignments__need=need)
        .order_by("name")
        .values_list("pk", "name", "id_masked")[:500]
    )
    form = AssignForm(volunteers=[(pk, f"{n} {m}") for pk, n, m in candidates])
    status = 200
    if request.method == "POST":
        require_page(request.user, VolunteersCap.MANAGE)
        try:
            if request.POST.get("action") == "no_shows":
                n = services.no_shows_record(actor=request.user, need=need)
                messages.success(request, _("已记录未到岗 %(n)s 人") % {"n": n})
                return redirect("volunteers:need_detail", pk=need.pk)
            form = AssignForm(request.POST, volunteers=[(pk, f"{n} {m}") for pk, n, m in candidates])
            if form.is_valid():
                v = get_object_or_404(Volunteer.objects.visible_to(request.user), pk=int(form.cleaned_data["volunteer"]))
                services.shift_assign(actor=request.user, volunteer=v, need=need)
                messages.success(request, _("已安排：%(n)s") % {"n": v.name})
                return redirect("volunteers:need_detail", pk=need.pk)
        except PermissionRefused as exc:
            raise _refused(exc) from exc
        except DomainError as exc:
            form.refuse(exc, fields={"need": "volunteer"})
        status = 422
    assignments = list(Assignment.objects.filter(need=need).select_related("volunteer").order_by("id"))
    blocks = (
        field_work_blocks([a.volunteer for a in assignments if a.status in HOLDING], need.starts_at, user=request.user)
        if need.task_type.field_work
        else {}
    )
    context = {
        "need": need,
        "span": span(need.starts_at, need.ends_at),
        "assignments": [(a, blocks.get(a.volunteer_id, "")) for a in assignments],
        "form": form,
        "can_manage": user_can(request.user, VolunteersCap.MANAGE),
        "over": need.ends_at <= now(),
    }
    return render(request, "volunteers/need_detail.html", context, status=status)
