"""Departure pages (有序离呼): the applications with each rule met or not, the form a community worker
files for a resident, the batch decision, the departures (a coach, a flight) and a passenger list
(printed or exported, ID numbers masked)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.audit.exports import export_xlsx
from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.exports import Column, wants_xlsx
from fangkong.core.pagination import paginate
from fangkong.core.permissions import need_to_know, require_page, user_can
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.lookup import person_by_id_number
from fangkong.geo.services import SearchLimited

from .. import selectors
from ..choices import ApplicationStatus, BatchStatus, DepartureRule, FeverAction, MemberStatus, TravelMode
from ..forms import ApplicationForm, DepartureForm
from ..permissions import MovementCap
from ..services import departures as services
from .common import districts_of

RULE_LABELS = dict(DepartureRule.choices)


@need_to_know(MovementCap.VIEW)
def home(request: HttpRequest) -> HttpResponse:
    f = selectors.movement_figures(user=request.user, day=timezone.localdate())
    context = {
        "f": f,
        "applications": [(label, f.applications.get(value, 0)) for value, label in ApplicationStatus.choices],
        "refused_by_rule": [(label, f.refused_by_rule.get(value, 0)) for value, label in DepartureRule.choices],
        "passes": [(label, f.passes.get(value, 0)) for value, label in selectors.PassStatus.choices],
        "scans": [(label, f.scans.get(value, 0)) for value, label in selectors.ScanOutcome.choices],
        "batches": [(label, f.batches.get(value, 0)) for value, label in BatchStatus.choices],
        "batch_people": [(label, f.batch_people.get(value, 0)) for value, label in MemberStatus.choices],
        "refusals": [(label, n) for value, label in selectors.ScanRefusal.choices if (n := f.refusals.get(value, 0))],
        "fever_actions": [(label, f.fever_actions.get(value, 0)) for value, label in FeverAction.choices],
    }
    return render(request, "movement/home.html", context)


@need_to_know(MovementCap.VIEW)
def application_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = paginate(request, selectors.application_list(user=request.user, status=status))
    context = {
        "page_obj": page,
        "status": status,
        "statuses": ApplicationStatus.choices,
        "rule_labels": RULE_LABELS,
        "can_file": user_can(request.user, MovementCap.DEPART),
        "can_organise": user_can(request.user, MovementCap.ORGANISE),
    }
    return render(request, "movement/application_list.html", context)


@need_to_know(MovementCap.VIEW)
def application_new(request: HttpRequest) -> HttpResponse:
    require_page(request.user, MovementCap.DEPART)
    form = ApplicationForm(request.POST or None, initial={"travel_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            number = check_id_input(data["id_number"])
            person = person_by_id_number(number, user=request.user, where="movement.departure")
            if person is None:
                raise DomainError(_("本辖区没有登记该证件号码的居民"), field="id_number", rule="movement.person")
            app = services.departure_file(
                actor=request.user, person=person, mode=data["mode"], destination=data["destination"], travel_date=data["travel_date"]
            )
        except InvalidDocument as exc:
            form.add_error("id_number", str(exc))
        except SearchLimited as exc:
            form.add_error("id_number", str(exc))
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.refuse(exc)
        else:
            if app.status == ApplicationStatus.APPROVED:
                messages.success(request, _("%(name)s 符合离开条件，已列入待编排名单。") % {"name": app.person.name})
            else:
                messages.warning(
                    request,
                    _("%(name)s 暂不符合离开条件：%(why)s") % {"name": app.person.name, "why": "；".join(d["text"] for d in app.unmet)},
                )
            return redirect("movement:application_list")
    return render(request, "movement/application_new.html", {"form": form}, status=422 if form.errors else 200)


@need_to_know(MovementCap.VIEW)
@require_POST
def applications_decide(request: HttpRequest) -> HttpResponse:
    require_page(request.user, MovementCap.ORGANISE)
    counts = services.applications_decide(actor=request.user)
    messages.success(
        request,
        _("已按现行政策审核：符合 %(a)s 人，不符合 %(r)s 人。")
        % {"a": counts[ApplicationStatus.APPROVED], "r": counts[ApplicationStatus.REFUSED]},
    )
    return redirect("movement:application_list")


@need_to_know(MovementCap.VIEW)
def departure_list(request: HttpRequest) -> HttpResponse:
    can_organise = user_can(request.user, MovementCap.ORGANISE)
    form = (
        DepartureForm(request.POST or None, districts=districts_of(request.user), receivers=selectors.receivers()) if can_organise else None
    )
    if request.method == "POST":
        require_page(request.user, MovementCap.ORGANISE)
        if form is not None and form.is_valid():
            with refused_on(form):
                departure = services.departure_create(actor=request.user, **form.cleaned_data)
                messages.success(request, _("班次已新建，请编排乘客。"))
                return redirect("movement:departure_detail", pk=departure.pk)
    context = {"departures": selectors.departure_list(user=request.user), "form": form}
    return render(request, "movement/departure_list.html", context, status=422 if form is not None and form.errors else 200)


def _passenger_columns() -> list[Column]:
    return [
        Column(_("姓名"), lambda a: a.person.name, 12),
        Column(_("证件号码"), lambda a: a.person.id_masked, 22),
        Column(_("目的地"), lambda a: a.destination, 20),
        Column(_("出行日期"), lambda a: a.travel_date, 12),
        Column(_("审核时间"), lambda a: timezone.localtime(a.decided_at).strftime("%Y-%m-%d %H:%M") if a.decided_at else "", 18),
    ]


@need_to_know(MovementCap.VIEW)
def departure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    departure = selectors.departure_get(user=request.user, pk=pk)
    passengers = selectors.passengers(departure)
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="movement.passengers",
            title=_("乘客名单"),
            columns=_passenger_columns(),
            rows=passengers,
            filters={"departure": departure.pk},
            filename=f"passengers-{departure.pk}",
        )
    can_organise = user_can(request.user, MovementCap.ORGANISE)
    context = {
        "departure": departure,
        "passengers": passengers,
        "waiting": selectors.unseated(user=request.user, departure=departure)[:200] if can_organise else [],
        "can_organise": can_organise,
        "mode_label": TravelMode(departure.mode).label,
        "printing": request.GET.get("print") == "1",
        "notices": selectors.notices_of(departure=departure),
    }
    return render(request, "movement/departure_detail.html", context)


@need_to_know(MovementCap.VIEW)
@require_POST
def departure_assign(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, MovementCap.ORGANISE)
    departure = selectors.departure_get(user=request.user, pk=pk)
    ids = [int(v) for v in request.POST.getlist("application") if v.isdigit()]
    if not ids:
        messages.error(request, _("请选择乘客"))
        return redirect("movement:departure_detail", pk=pk)
    try:
        n = services.departure_assign(actor=request.user, departure=departure, application_ids=ids)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已编入 %(n)s 人。") % {"n": n})
    return redirect("movement:departure_detail", pk=pk)
