"""Opening cases (cases.open: the command centre and district offices): the queue of confirmed
positives from 快检 awaiting case handling — all at once (as the every-minute task does), or one with
the medical team's first assessment — and a case opened by hand (a hospital's report, another city's
notice) for a person found by their full ID number through its keyed hash.

Views only parse the request, call selectors and services, and render. A person or positive outside
the user's jurisdiction answers 404; refusals (a second active case, times out of order …) are shown
on the form with the rule that refused.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page
from fangkong.core.timefmt import local_minutes
from fangkong.geo import selectors as geo_selectors
from fangkong.geo.models import Person
from fangkong.geo.services import SearchLimited, number_search_check
from fangkong.testing import selectors as testing_selectors
from fangkong.zoning.choices import FoundIn
from fangkong.zoning.found_in import found_in_for

from .. import services
from ..forms import OpenCaseForm, PersonLookupForm, QueueOpenForm
from ..models import Case, TreatmentFacility
from ..permissions import CasesCap, case_details

QUEUE_PAGE = "cases/cases/queue.html"
OPEN_PAGE = "cases/cases/case_open.html"
QUEUE_PER_PAGE = 50


def _active_cases(user: Any, person_ids: list[int]) -> dict[int, Case]:
    return {c.person_id: c for c in Case.objects.visible_to(user).active().filter(person_id__in=person_ids)}


def _queue_context(request: HttpRequest, bound: dict[int, Any] | None = None) -> dict[str, Any]:
    bound = bound or {}
    positives = testing_selectors.positive_queue(user=request.user).select_related("round").order_by("detected_at", "id")
    page = paginate(request, positives, per_page=QUEUE_PER_PAGE)
    items = list(page.object_list)
    active = _active_cases(request.user, [p.person_id for p in items])
    rows = [
        {
            "positive": p,
            "active_case": active.get(p.person_id),
            "form": bound.get(p.pk) or _queue_form(p.pk),
        }
        for p in items
    ]
    return {"page_obj": page, "rows": rows, "total": page.paginator.count}


def _queue_form(pk: int, data: Any = None) -> QueueOpenForm:
    return QueueOpenForm(data, prefix=f"p{pk}")


@case_details
def queue(request: HttpRequest) -> HttpResponse:
    """待处置阳性: the confirmed positives the user covers that have not become cases yet."""
    require_page(request.user, CasesCap.OPEN)
    return render(request, QUEUE_PAGE, _queue_context(request))


@case_details
@require_POST
def queue_open_all(request: HttpRequest) -> HttpResponse:
    require_page(request.user, CasesCap.OPEN)
    try:
        report = services.cases_open_from_queue(actor=request.user)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("cases:queue")
    if report.opened or report.attached or report.reopened:
        messages.success(
            request,
            _("已转为病例 %(o)s 例；在管病例新增阳性检测 %(a)s 例；居家健康监测期间复阳再收治 %(r)s 例")
            % {"o": report.opened, "a": report.attached, "r": report.reopened},
        )
    else:
        messages.info(request, _("没有待处置的阳性"))
    return redirect("cases:board")


@case_details
@require_POST
def queue_open_one(request: HttpRequest, pk: int) -> HttpResponse:
    """One positive with the medical team's first classification and risk factors."""
    require_page(request.user, CasesCap.OPEN)
    positive = get_object_or_404(testing_selectors.positive_queue(user=request.user), pk=pk)
    form = _queue_form(pk, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        with refused_on(form):
            case = services.case_open_from_positive(
                actor=request.user, positive=positive, classification=d["classification"], risk_factors=d["risk_factors"], note=d["note"]
            )
            messages.success(request, _("%(p)s 已转为病例 #%(n)s") % {"p": case.person.name, "n": case.pk})
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, QUEUE_PAGE, _queue_context(request, bound={pk: form}), status=422)


# ---- by hand ----


@case_details
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest) -> HttpResponse:
    """Look the person up by their full ID number, then the report: classification, times, source."""
    require_page(request.user, CasesCap.OPEN)
    facilities = TreatmentFacility.objects.visible_to(request.user).order_by("kind", "name")
    person = None
    status = 200
    if request.method == "POST" and "id_number" in request.POST:
        # The look-up is a POST, so that the full number stays out of URLs, history and logs.
        lookup, form = PersonLookupForm(request.POST), None
        if lookup.is_valid():
            try:  # a look-up by full number is counted and audited like any search (geo.services)
                number_search_check(actor=request.user, term=lookup.cleaned_data["id_number"], where="cases.case_open")
            except SearchLimited as exc:
                lookup.add_error("id_number", exc.message)
            else:
                person = geo_selectors.person_list(user=request.user, filters={"q": lookup.cleaned_data["id_number"]}).first()
                if person is None:
                    lookup.add_error("id_number", _("没有找到该证件号码的人员，或该人员不在您的管辖范围内"))
        if person is not None:
            now = timezone.localtime().replace(second=0, microsecond=0)
            form = OpenCaseForm(initial={"person": person.pk, "confirmed_at": now}, facilities=facilities)
    elif request.method == "POST":
        form = OpenCaseForm(request.POST, facilities=facilities)
        lookup = PersonLookupForm()
        person_id = form["person"].value()
        if not str(person_id or "").isdigit():
            return redirect("cases:case_open")
        person = get_object_or_404(Person.objects.visible_to(request.user), pk=int(person_id))
        if form.is_valid():
            d = form.cleaned_data
            with refused_on(form):
                case = services.case_open_by_hand(
                    actor=request.user,
                    person=person,
                    classification=d["classification"],
                    confirmed_at=d["confirmed_at"],
                    positive_at=d["positive_at"],
                    onset_at=d["onset_at"],
                    source=d["source"],
                    source_note=d["source_note"],
                    risk_factors=d["risk_factors"],
                    is_imported=d["is_imported"],
                    reporting_facility=d["reporting_facility"],
                )
                transfer = case.transfers.order_by("-id").first()
                messages.success(
                    request,
                    _("已登记病例 #%(n)s：%(p)s，分诊%(kind)s，转运时限 %(due)s")
                    % {
                        "n": case.pk,
                        "p": person.name,
                        "kind": transfer.get_triage_kind_display() if transfer else "—",
                        "due": local_minutes(transfer.deadline_at) if transfer else "—",
                    },
                )
                return redirect("cases:case_detail", pk=case.pk)
        status = 422
    else:
        lookup, form = PersonLookupForm(), None
    context: dict[str, Any] = {"lookup": lookup, "form": form, "person": person}
    if person is not None:
        now = timezone.now()
        context["active_case"] = Case.objects.active().filter(person=person).first()
        found = found_in_for(person, now)
        context["found_in"] = found
        context["found_in_label"] = FoundIn(found.value).label
    return render(request, OPEN_PAGE, context, status=status)
