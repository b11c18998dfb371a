"""Cases (病例): the list (filters, search by name or ID number, pagination) and one case's page —
the person (masked ID number), where the case was found and why, the transfer in flight with its
actions, the classifications, tests during treatment, the discharge check criterion by criterion with
the policy citations, discharge, withdrawal, care reopened, and the person's timeline.

Views only parse the request, call selectors and services, and render. A case outside the user's
jurisdiction answers 404; an action the role may not take answers 403.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.audit.exports import export_xlsx
from fangkong.core import searches
from fangkong.core.actions import refused_on
from fangkong.core.exports import Column, describe_filters, wants_xlsx
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can
from fangkong.core.timefmt import local_minutes
from fangkong.geo.models import Person
from fangkong.geo.search_pages import counted_search

from .. import selectors, services
from ..choices import CASE_IN_CARE, TRANSFER_IN_FLIGHT, CaseStatus, Classification, MonitoringStatus, RiskFactor
from ..forms import CaseFilterForm, ClassifyForm, DischargeForm, ReasonForm, TestResultForm
from ..models import Case, TreatmentFacility
from ..permissions import CasesCap, case_details
from ..services.common import covers_facility
from ..services.policy import discharge_policy
from .board import active_facilities, board_item, build_row, countdown_labels, place_names
from .common import districts_for

DETAIL_PAGE = "cases/cases/case_detail.html"


def case_columns() -> list[Column]:
    """The case list's columns as exported: what the page shows, the ID number masked."""
    return [
        Column(_("病例编号"), lambda c: c.pk, 10),
        Column(_("姓名"), lambda c: c.person.name, 12),
        Column(_("证件号码"), lambda c: c.person.id_masked, 22),
        Column(_("临床分型"), lambda c: c.get_classification_display(), 12),
        Column(_("状态"), lambda c: c.get_status_display(), 12),
        Column(_("发现场所"), lambda c: c.get_found_in_display(), 14),
        Column(_("区县"), lambda c: c.district.name if c.district_id else "", 12),
        Column(_("确诊时间"), lambda c: c.confirmed_at, 18),
        Column(_("收治机构"), lambda c: c.facility.name if c.facility_id else "", 20),
        Column(_("床位类型"), lambda c: c.get_bed_type_display() if c.facility_id else "", 10),
    ]


@case_details
@require_http_methods(["GET", "POST"])
def case_list(request: HttpRequest) -> HttpResponse:
    """The filter form posts (a name or an ID number never goes in a URL: fangkong.core.searches);
    the results are shown at ?s=<token>. A search by full ID number is counted and audited first."""
    return counted_search(request, where="cases.case_list", render=partial(_case_list_page, request))


def _case_list_page(request: HttpRequest, found: searches.Criteria, *, refused: str = "", status: int = 200) -> HttpResponse:
    facilities = TreatmentFacility.objects.visible_to(request.user).order_by("kind", "name")
    form = CaseFilterForm(found.data if found.bound else None, districts=districts_for(request.user), facilities=facilities)
    cases = selectors.case_list(user=request.user, filters=form.filters())
    q = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    if refused:
        cases = cases.none()
    elif q:  # name (prefix), the last digits of the ID number, or the full number through its keyed hash
        cases = cases.filter(person__in=Person.objects.search(q).values("pk"))
    if wants_xlsx(request) and not refused:
        return export_xlsx(
            request,
            list_name="cases.case_list",
            title=_("病例"),
            columns=case_columns(),
            rows=cases,
            filters=describe_filters(found.data),
            filename="cases",
        )
    page = paginate(request, cases)
    context = {
        "filter_form": form,
        "page_obj": page,
        "rows": page.object_list,
        "searched": form.is_bound and any(v not in (None, "", False) for v in (form.cleaned_data if form.is_valid() else {}).values()),
        "can_open": user_can(request.user, CasesCap.OPEN),
        "search": found,
        "refused": refused,
    }
    response = render_page(request, "cases/cases/case_list.html", context, partial="cases")
    response.status_code = status
    return response


def _detail_context(request: HttpRequest, case: Case, **bound: Any) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    detail_url = reverse("cases:case_detail", args=[case.pk])
    in_care = case.status in CASE_IN_CARE
    can_classify = in_care and (user_can(user, CasesCap.OPEN) or user_can(user, CasesCap.TREAT))
    can_test = in_care and user_can(user, CasesCap.TREAT)
    can_discharge = case.status == CaseStatus.ADMITTED and user_can(user, CasesCap.TREAT) and covers_facility(user, case.facility_id)
    can_withdraw = case.status in CASE_IN_CARE and user_can(user, CasesCap.OPEN)
    can_reopen = case.status == CaseStatus.DISCHARGED and (user_can(user, CasesCap.MONITOR) or user_can(user, CasesCap.OPEN))
    in_flight = case.transfers.filter(status__in=TRANSFER_IN_FLIGHT).select_related("case", "case__person", "assigned_facility").first()
    row = None
    if in_flight is not None:
        item = board_item(user, in_flight, now)
        row = build_row(request, item, active_facilities(user), places=place_names([item]))
    context: dict[str, Any] = {
        "case": case,
        "person": case.person,
        "risk_labels": [RiskFactor(f).label for f in case.risk_factors or () if f in RiskFactor.values],
        "row": row,
        "next": detail_url,
        "labels": countdown_labels(),
        "transfers": case.transfers.select_related("assigned_facility", "dispatched_by", "admitted_by", "refused_by").order_by(
            "queued_at", "id"
        ),
        "classifications": case.classifications.select_related("classified_by").order_by("classified_at", "id"),
        "tests": case.tests.select_related("recorded_by").order_by("-sampled_at", "-id"),
        "discharges": case.discharges.select_related("facility", "discharged_by", "monitoring").order_by("-discharged_at"),
        "monitoring": case.monitorings.filter(status=MonitoringStatus.ACTIVE).first(),
        "timeline": selectors.case_timeline(user=user, person=case.person),
        "can_classify": can_classify,
        "can_test": can_test,
        "can_discharge": can_discharge,
        "can_withdraw": can_withdraw,
        "can_reopen": can_reopen,
    }
    if can_classify:
        context["classify_form"] = bound.get("classify") or ClassifyForm(
            prefix="classify", initial={"classification": case.classification, "risk_factors": case.risk_factors}
        )
    if can_test:
        context["test_form"] = bound.get("test") or TestResultForm(prefix="test")
    if can_discharge:
        form = bound.get("discharge") or DischargeForm(prefix="discharge")
        context.update(_discharge_context(case, form))
    if can_withdraw:
        context["withdraw_form"] = bound.get("withdraw") or ReasonForm(prefix="withdraw", label=_("撤销原因"))
    if can_reopen:
        context["reopen_form"] = bound.get("reopen") or ReasonForm(
            prefix="reopen", label=_("再收治原因"), placeholder=_("例如：出现发热、咳嗽等症状")
        )
    return context


def _clinical(form: DischargeForm) -> list[str]:
    if form.is_bound:
        return [c for c in form.data.getlist(form.add_prefix("clinical")) if c]
    return []


def _discharge_context(case: Case, form: DischargeForm) -> dict[str, Any]:
    """The criteria as the system checks them now (with what the clinician ticked), each with its rule."""
    check = services.discharge_check(case=case, clinical=_clinical(form))
    policy = discharge_policy()
    return {
        "discharge_form": form,
        "discharge_check": check,
        "clinical_needed": case.peak_classification in set(policy.clinical_classes.value or ()),
        "monitoring_days": policy.home_monitoring_days,
    }


@case_details
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    return render(request, DETAIL_PAGE, _detail_context(request, case))


@case_details
def discharge_check(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: the criteria again as the clinician ticks the clinical conditions (writes nothing)."""
    require_page(request.user, CasesCap.TREAT)
    case = selectors.case_get(user=request.user, pk=pk)
    form = DischargeForm(request.GET, prefix="discharge")
    context = {"case": case, **_discharge_context(case, form)}
    return render(request, f"{DETAIL_PAGE}#discharge-check", context)


def _post(request: HttpRequest, pk: int, *, caps: tuple[str, ...], key: str, form_factory: Any, run: Any, success: Any) -> HttpResponse:
    """A case action: parse, call the service; redirect with a message, or the page again (422)."""
    require_page(request.user, *caps)
    case = selectors.case_get(user=request.user, pk=pk)
    form = form_factory(request.POST)
    if form.is_valid():
        with refused_on(form):
            result = run(case, form.cleaned_data)
            for level, text in success(result):
                messages.add_message(request, level, text)
            return redirect("cases:case_detail", pk=case.pk)
    case = selectors.case_get(user=request.user, pk=pk)
    return render(request, DETAIL_PAGE, _detail_context(request, case, **{key: form}), status=422)


@case_details
@require_POST
def case_classify(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, d: dict) -> services.ClassifyOutcome:
        return services.case_classify(
            actor=request.user,
            case=case,
            classification=d["classification"],
            risk_factors=d["risk_factors"],
            at=d["at"] or None,
            note=d["note"],
        )

    def success(outcome: services.ClassifyOutcome) -> list[tuple[int, str]]:
        if not outcome.changed:
            return [(messages.INFO, _("分型与高危因素没有变化"))]
        out = [(messages.SUCCESS, _("已更新临床分型：%(c)s") % {"c": Classification(outcome.case.classification).label})]
        if outcome.transfer is not None:
            out.append(
                (
                    messages.WARNING,
                    _("需转至%(kind)s%(bed)s：已放回转运看板，时限 %(due)s")
                    % {
                        "kind": outcome.transfer.get_triage_kind_display(),
                        "bed": outcome.transfer.get_triage_bed_type_display(),
                        "due": local_minutes(outcome.transfer.deadline_at),
                    },
                )
            )
        if outcome.warning:
            out.append((messages.WARNING, outcome.warning))
        return out

    return _post(
        request,
        pk,
        caps=(CasesCap.OPEN, CasesCap.TREAT),
        key="classify",
        form_factory=lambda data: ClassifyForm(data, prefix="classify"),
        run=run,
        success=success,
    )


@case_details
@require_POST
def case_test_record(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, d: dict) -> Any:
        return services.case_test_record(
            actor=request.user,
            case=case,
            sampled_at=d["sampled_at"],
            result=d["result"],
            ct_orf1ab=d["ct_orf1ab"],
            ct_n=d["ct_n"],
            reported_at=d["reported_at"],
        )

    def success(test: Any) -> list[tuple[int, str]]:
        return [(messages.SUCCESS, _("已登记核酸检测：%(r)s") % {"r": test.get_result_display()})]

    return _post(
        request,
        pk,
        caps=(CasesCap.TREAT,),
        key="test",
        form_factory=lambda data: TestResultForm(data, prefix="test"),
        run=run,
        success=success,
    )


@case_details
@require_POST
def case_discharge(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, d: dict) -> Any:
        return services.case_discharge(actor=request.user, case=case, clinical=d["clinical"], at=d["at"] or None, note=d["note"])

    def success(discharge: Any) -> list[tuple[int, str]]:
        m = discharge.monitoring
        return [
            (
                messages.SUCCESS,
                _("已出院，转入居家健康监测 %(d)s 天（至 %(end)s），由所在社区负责") % {"d": m.days, "end": local_minutes(m.ends_at)},
            )
        ]

    return _post(
        request,
        pk,
        caps=(CasesCap.TREAT,),
        key="discharge",
        form_factory=lambda data: DischargeForm(data, prefix="discharge"),
        run=run,
        success=success,
    )


@case_details
@require_POST
def case_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, d: dict) -> Case:
        return services.case_withdraw(actor=request.user, case=case, reason=d["reason"])

    return _post(
        request,
        pk,
        caps=(CasesCap.OPEN,),
        key="withdraw",
        form_factory=lambda data: ReasonForm(data, prefix="withdraw", label=_("撤销原因")),
        run=run,
        success=lambda case: [(messages.SUCCESS, _("病例 #%(n)s 已撤销") % {"n": case.pk})],
    )


@case_details
@require_POST
def case_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    def run(case: Case, d: dict) -> Any:
        return services.care_reopen(actor=request.user, case=case, reason=d["reason"])

    def success(transfer: Any) -> list[tuple[int, str]]:
        due = local_minutes(transfer.deadline_at)
        return [(messages.WARNING, _("已转为再收治：病例回到转运看板，时限 %(due)s") % {"due": due})]

    return _post(
        request,
        pk,
        caps=(CasesCap.MONITOR, CasesCap.OPEN),
        key="reopen",
        form_factory=lambda data: ReasonForm(data, prefix="reopen", label=_("再收治原因")),
        run=run,
        success=success,
    )
