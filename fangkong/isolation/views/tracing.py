"""流调 pages: the cases to trace, a case's trace (its contacts, and a form to add one found in the
registry by full ID number or registered new), a contact (its cases, its isolation, its secondary
contacts where the policy traces them), the 日清日结 board of people awaiting isolation, and the
cluster's transmission chains as a graph.

Views only parse, call tracing.selectors / selectors (reads, scoped: outside → 404) and the services
(writes), and render. Every form works without JavaScript (POST, then redirect); with htmx the
case's contact list and the form are swapped in place and refusals appear next to their field.
ID numbers are shown masked; the number typed into the form is never echoed back after a success.
流调 names cases and their contacts: every page needs cases.view and isolation.view (need-to-know).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.audit.exports import export_xlsx
from fangkong.cases.choices import CaseStatus
from fangkong.cases.lookups import active_case_of, visible_case_ids
from fangkong.core import searches
from fangkong.core.errors import DomainError
from fangkong.core.exports import describe_filters, wants_xlsx
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can
from fangkong.geo.choices import IdType, Sex
from fangkong.geo.forms import clean_id_input
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.lookup import person_by_id_number
from fangkong.geo.models import Community
from fangkong.geo.search_pages import counted_search
from fangkong.geo.services import SearchLimited
from fangkong.isolation.permissions import IsolationCap, tracing_details
from fangkong.policy.rules import rule

from .. import selectors
from ..choices import ContactKind, ContactState, ExposureType
from ..models import Contact, IsolationEpisode
from ..services.episodes import secondary_not_traced
from ..tracing import selectors as tracing
from ..tracing import services as tracing_services
from .exports import awaiting_columns

if TYPE_CHECKING:  # 快转's model names the type; its rows are read through cases.lookups
    from fangkong.cases.models import Case

TRACE_TEMPLATE = "isolation/tracing/trace_case.html"
CONTACT_TEMPLATE = "isolation/tracing/contact_detail.html"
BOARD_TEMPLATE = "isolation/tracing/awaiting_board.html"
BOARD_REFRESH_SECONDS = 60
FIELD_ALIASES = {"person": "id_number", "at": "identified_at"}  # a service's field → the form's
FORM_FIELDS = (
    "id_number",
    "name",
    "id_type",
    "sex",
    "phone",
    "community",
    "exposure",
    "place",
    "last_exposure_at",
    "identified_at",
    "note",
)


def trace_required(view: Callable) -> Callable:
    """Signed in (else the login page), a role that sees cases and contacts (need-to-know) and may
    trace (else 403)."""

    @tracing_details
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_page(request.user, IsolationCap.TRACE)
        return view(request, *args, **kwargs)

    return wrapped


def _communities() -> list[tuple[Any, Any]]:
    """Every community of the city, by district: a contact may live anywhere (places are not personal data)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name, district in Community.objects.order_by("district__code", "street__name", "name").values_list(
        "pk", "name", "district__name"
    ):
        groups.setdefault(district, []).append((pk, name))
    return [("", "—"), *groups.items()]


class ContactForm(forms.Form):
    """One exposure of one person: found by full ID number, or registered new (name, sex, phone, community)."""

    id_number = forms.CharField(
        label=gettext_lazy("证件号码"), max_length=32, error_messages={"required": gettext_lazy("请输入完整证件号码")}
    )
    name = forms.CharField(label=gettext_lazy("姓名（新登记人员）"), max_length=64, required=False)
    id_type = forms.ChoiceField(label=gettext_lazy("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID, required=False)
    sex = forms.ChoiceField(label=gettext_lazy("性别"), choices=[("", "—"), *Sex.choices], required=False)
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20, required=False)
    community = forms.TypedChoiceField(label=gettext_lazy("现住社区"), coerce=int, empty_value=None, required=False)
    exposure = forms.ChoiceField(label=gettext_lazy("接触方式"), choices=ExposureType.choices)
    place = forms.CharField(label=gettext_lazy("接触地点"), max_length=200)
    last_exposure_at = forms.DateTimeField(
        label=gettext_lazy("末次接触时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    identified_at = forms.DateTimeField(
        label=gettext_lazy("判定时间"),
        required=False,
        help_text=gettext_lazy("留空为现在"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = _communities()
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select" if isinstance(field.widget, forms.Select) else "form-control")

    def clean_id_number(self) -> str:
        return clean_id_input(self.cleaned_data["id_number"])


def _add(request: HttpRequest, form: ContactForm, *, case: Case | None = None, via: Contact | None = None) -> Any:
    """Record the exposure the form describes; returns the link, or None with the errors on the form."""
    data = form.cleaned_data
    community = Community.objects.filter(pk=data["community"]).first() if data.get("community") else None
    common = {
        "actor": request.user,
        "case": case,
        "via": via,
        "exposure": data["exposure"],
        "place": data["place"],
        "last_exposure_at": data["last_exposure_at"],
        "identified_at": data.get("identified_at") or timezone.now(),
        "note": data.get("note", ""),
    }
    # The tracer holds the full number: a contact may live anywhere. Not registered, a name registers
    # them; a refusal about the number is counted as a search by full number (the service's rule).
    new_person = (
        {
            "name": data["name"],
            "id_type": data.get("id_type") or IdType.RESIDENT_ID,
            "sex": data.get("sex") or None,
            "phone": data.get("phone", ""),
        }
        if data.get("name")
        else None
    )
    try:
        return tracing_services.contact_add_by_number(id_number=data["id_number"], community=community, new_person=new_person, **common)
    except DomainError as exc:
        if exc.rule == tracing_services.PERSON_IN_REGISTRY:
            form.add_error("name", _("人口库中没有该证件号码，请填写姓名等信息登记新人员"))
            return None
        field = FIELD_ALIASES.get(exc.field, exc.field)
        form.refusal = exc  # its 依据, folded (templates/components/_basis.html)
        form.add_error(field if field in FORM_FIELDS else None, exc.message)
        return None


def _htmx(request: HttpRequest) -> bool:
    h = getattr(request, "htmx", None)
    return bool(h) and not h.boosted


def _secondary_rule() -> Any:
    return rule("secondary_contact.traced")


# ---- the cases to trace ----


@tracing_details
@require_http_methods(["GET", "POST"])
def tracing_home(request: HttpRequest) -> HttpResponse:
    """Cases the user sees, newest first, with how many contacts each has. The filter form posts (a
    name or an ID number never goes in a URL: fangkong.core.searches); the results are at ?s=<token>.
    A search by full ID number is counted and audited first."""
    return counted_search(request, where="isolation.tracing_home", render=partial(_tracing_home_page, request))


def _tracing_home_page(request: HttpRequest, found: searches.Criteria, *, refused: str = "", status: int = 200) -> HttpResponse:
    filters = {"q": found.data.get("q", "").strip(), "status": found.data.get("status", "")}
    cases = tracing.tracing_case_list(user=request.user, filters=filters)
    context = {
        "page_obj": paginate(request, cases.none() if refused else cases),
        "filters": filters,
        "status_choices": CaseStatus.choices,
        "can_trace": user_can(request.user, IsolationCap.TRACE),
        "search": found,
        "refused": refused,
    }
    response = render_page(request, "isolation/tracing/home.html", context, partial="cases")
    response.status_code = status
    return response


# ---- a case's trace ----


def _trace_context(request: HttpRequest, case: Case, form: ContactForm | None = None, added: Any = None) -> dict[str, Any]:
    sheet = tracing.trace_sheet(user=request.user, case=case)
    can_trace = user_can(request.user, IsolationCap.TRACE)
    return {
        "case": sheet.case,
        "sheet": sheet,
        "can_trace": can_trace and sheet.case.status != CaseStatus.WITHDRAWN,
        "form": form or ContactForm(initial={"exposure": ExposureType.HOUSEHOLD}),
        "added": added,
        "secondary_rule": _secondary_rule(),
        "now": timezone.now(),
    }


@tracing_details
@require_GET
def trace_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = tracing.case_for_tracing(user=request.user, pk=pk)
    return render_page(request, TRACE_TEMPLATE, _trace_context(request, case), partial="workspace")


@trace_required
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = tracing.case_for_tracing(user=request.user, pk=pk)
    form = ContactForm(request.POST)
    link = _add(request, form, case=case) if form.is_valid() else None
    if link is None:
        context = _trace_context(request, case, form)
        template = f"{TRACE_TEMPLATE}#workspace" if _htmx(request) else TRACE_TEMPLATE
        return render(request, template, context, status=422)
    if _htmx(request):
        response = render(request, f"{TRACE_TEMPLATE}#workspace", _trace_context(request, case, added=link))
        response["HX-Trigger"] = "contactAdded"
        return response
    messages.success(request, _("已登记密接 %(n)s，隔离时限 %(t)s") % {"n": link.contact.person.name, "t": _deadline(link)})
    return redirect("isolation:trace_case", pk=case.pk)


def _deadline(link: Any) -> str:
    episode = link.contact.episode
    if episode is None or episode.isolate_by is None:
        return _("居家隔离即时开始")
    return timezone.localtime(episode.isolate_by).strftime("%m-%d %H:%M")


@trace_required
@require_POST
def person_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: who a full ID number is (masked) — among the people the tracer may see: their places, or
    the contacts of the cases they trace; anyone else answers as not in the registry. By POST (no
    number in a URL or log), counted and audited as a search by full number (geo.lookup)."""
    number = request.POST.get("id_number", "").strip()
    person, refused, invalid = None, "", ""
    if number:
        try:
            check_id_input(number)  # a typo is named (check digit, region, ...), not "not in the registry"
            traced = tracing.traced_people(user=request.user)
            person = person_by_id_number(number, user=request.user, where="isolation.tracing_lookup", also=traced)
        except InvalidDocument as exc:
            invalid = exc.message
        except SearchLimited as exc:
            refused = exc.message
    current = tracing_services.current_contact(person) if person else None
    active_case = active_case_of(person) if person else None
    context = {"number": number, "person": person, "current": current, "active_case": active_case, "refused": refused, "invalid": invalid}
    return render(request, "isolation/tracing/_person_lookup.html", context, status=429 if refused else 200)


# ---- a contact ----


def _contact_context(request: HttpRequest, pk: int, form: ContactForm | None = None) -> dict[str, Any]:
    detail = tracing.contact_detail(user=request.user, pk=pk)
    secondary_rule = _secondary_rule()
    contact = detail.contact
    return {
        "contact": contact,
        "detail": detail,
        "episode": contact.episode,
        "secondary_rule": secondary_rule,
        # The policy's refusal of every secondary contact, shown with its 依据 (None while it traces them).
        "secondary_refusal": secondary_not_traced(),
        "can_add_secondary": (
            user_can(request.user, IsolationCap.TRACE)
            and bool(secondary_rule.value)
            and contact.kind == ContactKind.CLOSE_CONTACT
            and contact.state != ContactState.CANCELLED
        ),
        "form": form or ContactForm(initial={"exposure": ExposureType.HOUSEHOLD}),
        "visible_case_ids": {c.pk for c in detail.cases},
        "episode_visible": contact.episode_id is not None
        and IsolationEpisode.objects.visible_to(request.user).filter(pk=contact.episode_id).exists(),
        "case_visible": contact.case_id is not None and bool(visible_case_ids(request.user, [contact.case_id])),
        "now": timezone.now(),
    }


@tracing_details
@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, CONTACT_TEMPLATE, _contact_context(request, pk))


@trace_required
@require_POST
def secondary_add(request: HttpRequest, pk: int) -> HttpResponse:
    contact = tracing.contact_get(user=request.user, pk=pk)
    form = ContactForm(request.POST)
    link = _add(request, form, via=contact) if form.is_valid() else None
    if link is None:
        return render(request, CONTACT_TEMPLATE, _contact_context(request, pk, form), status=422)
    messages.success(request, _("已登记次密接 %(n)s，居家隔离") % {"n": link.contact.person.name})
    return redirect("isolation:contact_detail", pk=contact.pk)


# ---- the 日清日结 board ----


@tracing_details
@require_GET
def contacts_awaiting(request: HttpRequest) -> HttpResponse:
    """The contacts identified and not yet isolated, overdue first, each with the case traced from,
    and today's contact figures. The table refreshes itself (htmx, every minute)."""
    now = timezone.now()
    board = selectors.awaiting_isolation_board(user=request.user, now=now, contacts_only=True)
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="isolation.contacts_awaiting",
            title=_("密接待隔离"),
            columns=awaiting_columns(),
            rows=board,
            filters=describe_filters(request.GET),
            filename="contacts-awaiting",
        )
    page = paginate(request, board, per_page=100)
    case_ids = {link.case_id for e in page.object_list for link in e.contact.links.all()}
    today = selectors.figures(user=request.user, day=timezone.localdate(now), now=now)
    share = today.contacts_in_time_share
    context = {
        "page_obj": page,
        "now": now,
        "overdue": board.filter(is_overdue=True).count(),
        "refresh": BOARD_REFRESH_SECONDS,
        "today": today,
        "in_time_pct": None if share is None else round(share * 100),
        "counted": today.contacts_isolated_in_time + today.contacts_isolated_late + today.contacts_still_awaiting,
        "visible_case_ids": visible_case_ids(request.user, case_ids),
    }
    return render_page(request, BOARD_TEMPLATE, context, partial="board")


# ---- the cluster graph ----


@tracing_details
@require_GET
def cluster_graph(request: HttpRequest, pk: int) -> HttpResponse:
    case = tracing.case_for_tracing(user=request.user, pk=pk)
    graph = tracing.cluster_graph(user=request.user, case=case)
    context = {"case": case, "graph": graph, "chart": graph.echarts(), "legend": graph.legend(), "labels": graph.labels()}
    return render(request, "isolation/tracing/cluster_graph.html", context)


urlpatterns = [
    path("tracing/", tracing_home, name="tracing_home"),
    path("tracing/awaiting/", contacts_awaiting, name="contacts_awaiting"),
    path("tracing/lookup/", person_lookup, name="person_lookup"),
    path("tracing/cases/<int:pk>/", trace_case, name="trace_case"),
    path("tracing/cases/<int:pk>/contacts/", contact_add, name="contact_add"),
    path("tracing/cases/<int:pk>/graph/", cluster_graph, name="cluster_graph"),
    path("tracing/contacts/<int:pk>/", contact_detail, name="contact_detail"),
    path("tracing/contacts/<int:pk>/secondary/", secondary_add, name="secondary_add"),
]
