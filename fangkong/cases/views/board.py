"""The transfer board (转运看板) for dispatchers (区县防控办, the command centre) and the admission desks
of the facilities: positives awaiting transfer or on their way, overdue first, each with its same-day
deadline counting down, the suggested facility with the triage rule, and its actions — dispatch
(facility, bed type, vehicle, crew), pick up, admit, refuse with a reason (back onto the board).

Each action is a POST: htmx swaps the row in place (a refusal replaces it with the new awaiting row,
an admission with a short confirmation); without JavaScript the POST redirects back with a message.
The board refreshes itself every 30 seconds while nobody is filling in a form. Laid out as a table
on a laptop and as cards on a phone (one markup, Bootstrap's grid).

Views only parse the request, call selectors and services, and render. A transfer outside the
user's jurisdiction answers 404; an action the role may not take answers 403. The rows name people:
a role without cases.view sees the board's figures alone (need-to-know).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can, withheld
from fangkong.geo.models import Community, District

from .. import selectors, services
from ..choices import TRANSFER_IN_FLIGHT, BedType, TransferStatus
from ..forms import AdmitForm, BoardFilterForm, DispatchForm, ReasonForm
from ..models import Case, Transfer, TreatmentFacility
from ..permissions import CasesCap, case_details
from ..services.common import covers_facility
from ..services.transfers import case_suggestion
from .common import districts_for, next_url, transfer_get

BOARD_PAGE = "cases/board/board.html"
ROW = "cases/board/_row.html"
PER_PAGE = 50
BOARD_ITEM_WINDOW = 20  # rows read around a transfer's place on the board (same deadline and time)


def countdown(remaining: dt.timedelta) -> str:
    """剩余 3 小时 05 分 / 超时 1 天 2 小时: the time left to the deadline, or past it."""
    seconds = int(remaining.total_seconds())
    left = abs(seconds)
    days, rest = divmod(left, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    span = _("%(d)s 天 %(h)s 小时") % {"d": days, "h": hours} if days else _("%(h)s 小时 %(m)02d 分") % {"h": hours, "m": minutes}
    return (_("超时 %(t)s") if seconds < 0 else _("剩余 %(t)s")) % {"t": span}


def countdown_labels() -> dict[str, str]:
    """The same words for the page's script, which keeps the countdowns ticking between refreshes."""
    return {
        "over": _("超时 %(t)s"),
        "left": _("剩余 %(t)s"),
        "days": _("%(d)s 天 %(h)s 小时"),
        "hours": _("%(h)s 小时 %(m)02d 分"),
    }


@dataclass
class FacilityChoice:
    pk: int
    label: str
    selected: bool


@dataclass
class Row:
    """One transfer on the board as the user may act on it."""

    item: selectors.BoardItem
    countdown: str
    place: str = ""
    can_dispatch: bool = False
    can_pick_up: bool = False
    can_admit: bool = False
    can_admit_on_spot: bool = False
    can_refuse: bool = False
    spot_facility: TreatmentFacility | None = None  # where the patient already is (就地收治)
    dispatch_form: DispatchForm | None = None
    admit_form: AdmitForm | None = None
    refuse_form: ReasonForm | None = None
    fitting: list[FacilityChoice] = field(default_factory=list)
    others: list[FacilityChoice] = field(default_factory=list)
    error: str = ""
    notice: str = ""
    open_form: str = ""  # the form to show open again (after a refusal by the service)

    @property
    def transfer(self) -> Transfer:
        return self.item.transfer

    @property
    def any_action(self) -> bool:
        return self.can_dispatch or self.can_pick_up or self.can_admit or self.can_admit_on_spot or self.can_refuse


def _facility_choices(item: selectors.BoardItem, facilities: list[TreatmentFacility], selected: str) -> tuple[list, list]:
    """The facilities that admit the case, best first (the suggestion first), with their free beds of
    the bed type triage asks for; then every other active facility (the service checks the rules)."""
    fitting: list[FacilityChoice] = []
    seen: set[int] = set()
    if item.suggestion is not None:
        for o in item.suggestion.candidates:
            label = _("%(name)s（%(bed)s空余 %(free)s）") % {"name": o.name, "bed": BedType(o.bed_type).label, "free": max(o.free, 0)}
            fitting.append(FacilityChoice(o.facility_id, label, str(o.facility_id) == selected))
            seen.add(o.facility_id)
    others = [FacilityChoice(f.pk, f"{f.name}（{f.get_kind_display()}）", str(f.pk) == selected) for f in facilities if f.pk not in seen]
    return fitting, others


def build_row(
    request: HttpRequest,
    item: selectors.BoardItem,
    facilities: list[TreatmentFacility],
    *,
    bound: dict[str, Any] | None = None,
    error: str = "",
    notice: str = "",
    places: dict[int, str] | None = None,
) -> Row:
    user, t = request.user, item.transfer
    bound = bound or {}
    dispatch, treat = user_can(user, CasesCap.DISPATCH), user_can(user, CasesCap.TREAT)
    at_own = covers_facility(user, t.assigned_facility_id) if t.assigned_facility_id else False
    row = Row(
        item=item,
        countdown=countdown(item.remaining),
        place=(places or {}).get(item.case.pk, ""),
        error=error,
        notice=notice,
    )
    prefix = f"t{t.pk}"
    if t.status == TransferStatus.AWAITING:
        row.can_dispatch = dispatch
        # 就地收治: the patient is already at a facility of the kind triage asks for — the one that
        # reported the case, or the one they are in (a move to its ICU) — and the user works there.
        spot = next((f for f in facilities if f.pk in (t.from_facility_id, item.case.reporting_facility_id)), None)
        if treat and spot is not None and spot.kind == t.triage_kind and covers_facility(user, spot.pk):
            row.can_admit_on_spot, row.spot_facility = True, spot
    row.can_pick_up = dispatch and t.status == TransferStatus.DISPATCHED
    row.can_admit = treat and t.status == TransferStatus.PICKED_UP and at_own
    row.can_refuse = t.status in (TransferStatus.DISPATCHED, TransferStatus.PICKED_UP) and (dispatch or (treat and at_own))
    if row.can_dispatch:
        suggested = str(item.suggestion.facility.facility_id) if item.suggestion and item.suggestion.facility else ""
        row.dispatch_form = bound.get("dispatch") or DispatchForm(
            auto_id=f"{prefix}-%s", initial={"facility": suggested, "bed_type": t.triage_bed_type}
        )
        selected = str(row.dispatch_form["facility"].value() or "")
        row.fitting, row.others = _facility_choices(item, facilities, selected)
    if row.can_admit or row.can_admit_on_spot:
        initial_bed = t.assigned_bed_type or t.triage_bed_type
        row.admit_form = bound.get("admit") or AdmitForm(auto_id=f"{prefix}-admit-%s", initial={"bed_type": initial_bed})
    if row.can_refuse:
        row.refuse_form = bound.get("refuse") or ReasonForm(
            auto_id=f"{prefix}-refuse-%s", placeholder=_("例如：床位已满、病情不符合收治条件")
        )
    row.open_form = next(iter(bound), "")
    return row


def place_names(items: list[selectors.BoardItem]) -> dict[int, str]:
    """case id → "新城区 迎宾南路社区", in two queries for the whole page."""
    districts = dict(District.objects.filter(pk__in={i.case.district_id for i in items}).values_list("pk", "name"))
    communities = dict(Community.objects.filter(pk__in={i.case.community_id for i in items}).values_list("pk", "name"))
    return {i.case.pk: " ".join(n for n in (districts.get(i.case.district_id), communities.get(i.case.community_id)) if n) for i in items}


def active_facilities(user: Any) -> list[TreatmentFacility]:
    return list(TreatmentFacility.objects.visible_to(user).filter(is_active=True).order_by("kind", "name"))


def board_item(user: Any, transfer: Transfer, now: dt.datetime) -> selectors.BoardItem:
    """The transfer as the user's board shows it — its place on the board found with one count, so
    its suggestion is the one the board shows (beds suggested to earlier rows spent first); a
    transfer not on their board (a hospital's own report awaiting admission on the spot) on its own."""
    t = transfer
    before = (
        Transfer.objects.visible_to(user)
        .in_flight()
        .filter(Q(deadline_at__lt=t.deadline_at) | Q(deadline_at=t.deadline_at, queued_at__lt=t.queued_at))
        .count()
    )
    for item in selectors.transfer_board(user=user, now=now, offset=before, limit=BOARD_ITEM_WINDOW):
        if item.transfer.pk == t.pk:
            return item
    suggestion = case_suggestion(t.case, at=now) if t.status == TransferStatus.AWAITING else None
    return selectors.BoardItem(
        transfer=t,
        case=t.case,
        deadline_at=t.deadline_at,
        overdue=t.deadline_at < now,
        remaining=t.deadline_at - now,
        refusals=Transfer.objects.filter(case_id=t.case_id, status=TransferStatus.REFUSED).count(),
        suggestion=suggestion,
    )


class BoardPages:
    """The board as Django's Paginator pages it: counted, and built one page at a time (the
    suggestions on a page are the ones the whole board would show)."""

    def __init__(self, *, user: Any, now: dt.datetime, filters: dict[str, Any]) -> None:
        self.user, self.now, self.filters = user, now, filters

    def count(self) -> int:
        return selectors.transfer_board_count(user=self.user, now=self.now, filters=self.filters)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[selectors.BoardItem]:
        start = key.start or 0
        limit = None if key.stop is None else key.stop - start
        return selectors.transfer_board(user=self.user, now=self.now, filters=self.filters, offset=start, limit=limit)


@dataclass
class Summary:
    total: int = 0
    overdue: int = 0
    awaiting: int = 0
    dispatched: int = 0
    picked_up: int = 0


def board_summary(user: Any, now: dt.datetime) -> Summary:
    """The cards above the board: everything in flight the user covers (whatever the filter shows)."""
    counts = (
        Transfer.objects.visible_to(user)
        .in_flight()
        .aggregate(
            total=Count("id"),
            overdue=Count("id", filter=Q(deadline_at__lt=now)),
            awaiting=Count("id", filter=Q(status=TransferStatus.AWAITING)),
            dispatched=Count("id", filter=Q(status=TransferStatus.DISPATCHED)),
            picked_up=Count("id", filter=Q(status=TransferStatus.PICKED_UP)),
        )
    )
    return Summary(**counts)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The board: filters by district, status, triage and overdue; refreshed by htmx every 30 s.
    Without cases.view, the figures only (the summary cards and the free beds)."""
    now = timezone.now()
    form = BoardFilterForm(request.GET or None, districts=districts_for(request.user))
    problem = ""
    hidden = withheld(request.user, CasesCap.VIEW)
    try:
        transfers = [] if hidden else BoardPages(user=request.user, now=now, filters=form.filters())
        page = paginate(request, transfers, per_page=PER_PAGE)
        items = list(page.object_list)
        occupancy = selectors.facility_occupancy(user=request.user)
    except DomainError as exc:  # no active policy: nothing to triage by
        page, items, occupancy, problem = paginate(request, []), [], None, exc.message
    facilities = active_facilities(request.user)
    places = place_names(items)
    context = {
        "now": now,
        "filter_form": form,
        "filtered": any(form.filters().values()),
        "page_obj": page,
        "rows": [build_row(request, item, facilities, places=places) for item in items],
        "summary": board_summary(request.user, now),
        "occupancy": occupancy,
        "problem": problem,
        "withheld": hidden,
        "labels": countdown_labels(),
        "next": request.get_full_path(),
    }
    return render_page(request, BOARD_PAGE, context, partial="board")


# ---- actions ----


def _row_response(
    request: HttpRequest,
    transfer: Transfer,
    *,
    status: int = 200,
    bound: dict[str, Any] | None = None,
    error: str = "",
    notice: str = "",
    acted_on: Transfer | None = None,
    refusal: DomainError | None = None,
) -> HttpResponse:
    """htmx: the transfer's row again (re-read); once it has left the board — or the user's sight (a
    facility that turned the patient away) — a confirmation in place of the transfer acted on."""
    now = timezone.now()
    related = ("case", "case__person", "assigned_facility", "suggested_facility", "deadline_citation", "triage_citation")
    transfer = Transfer.objects.select_related(*related).get(pk=transfer.pk)
    context: dict[str, Any] = {
        "next": next_url(request, reverse("cases:board")),
        "labels": countdown_labels(),
        "now": now,
        "refusal": refusal,
    }
    visible = Case.objects.visible_to(request.user).filter(pk=transfer.case_id).exists()
    context["can_view_case"] = visible
    if not visible and acted_on is not None:
        transfer = Transfer.objects.select_related(*related).get(pk=acted_on.pk)
    if transfer.status in TRANSFER_IN_FLIGHT and visible:
        item = board_item(request.user, transfer, now)
        context["row"] = build_row(
            request, item, active_facilities(request.user), bound=bound, error=error, notice=notice, places=place_names([item])
        )
    else:  # off the board, or no longer the user's (a facility that turned the patient away)
        context["done"] = transfer
        context["notice"] = notice
    return render(request, ROW, context, status=status)


def _act(request: HttpRequest, pk: int, *, caps: tuple[str, ...], form: Any, key: str, run: Any, success: Any) -> HttpResponse:
    """Parse, call the service, answer: the row (htmx) or a redirect with a message."""
    require_page(request.user, *caps)
    transfer = transfer_get(user=request.user, pk=pk)
    default = f"{reverse('cases:board')}#transfer-{transfer.pk}"
    error, refusal = "", None
    if form is None or form.is_valid():
        try:
            result = run(transfer, form.cleaned_data if form is not None else {})
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            if form is not None:
                form.refuse(exc)
            error, refusal = exc.message, exc
        else:
            notice = success(result)
            if not request.htmx:
                messages.success(request, notice)
                return redirect(next_url(request, default))
            return _row_response(request, result, notice=notice, acted_on=transfer)
    if not request.htmx:
        messages.error(request, error or "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(next_url(request, default))
    if form is not None:  # the form shows its errors on their fields; the row, those of no field
        error = "；".join(form.non_field_errors())
    return _row_response(request, transfer, status=422, bound={key: form} if form is not None else None, error=error, refusal=refusal)


def _person(transfer: Transfer) -> str:
    return transfer.case.person.name


@case_details
@require_POST
def transfer_dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    facilities = TreatmentFacility.objects.visible_to(request.user).filter(is_active=True)
    form = DispatchForm(request.POST, facilities=facilities, auto_id=f"t{pk}-%s")

    def run(t: Transfer, d: dict) -> Transfer:
        return services.transfer_dispatch(
            actor=request.user, transfer=t, vehicle=d["vehicle"], crew=d["crew"], facility=d["facility"], bed_type=d["bed_type"]
        )

    def success(t: Transfer) -> str:
        message = _("已派车：%(p)s → %(f)s（%(bed)s），车辆 %(v)s") % {
            "p": _person(t),
            "f": t.assigned_facility.name,
            "bed": t.get_assigned_bed_type_display(),
            "v": t.vehicle,
        }
        warning = selectors.arrivals_warning(t)
        return f"{message} {warning}" if warning else message

    return _act(request, pk, caps=(CasesCap.DISPATCH,), form=form, key="dispatch", run=run, success=success)


@case_details
@require_POST
def transfer_pick_up(request: HttpRequest, pk: int) -> HttpResponse:
    def run(t: Transfer, _d: dict) -> Transfer:
        return services.transfer_pick_up(actor=request.user, transfer=t)

    def success(t: Transfer) -> str:
        return _("已接到 %(p)s，正送往 %(f)s") % {"p": _person(t), "f": t.assigned_facility.name}

    return _act(request, pk, caps=(CasesCap.DISPATCH,), form=None, key="", run=run, success=success)


@case_details
@require_POST
def transfer_admit(request: HttpRequest, pk: int) -> HttpResponse:
    facilities = TreatmentFacility.objects.visible_to(request.user)
    form = AdmitForm(request.POST, facilities=facilities, auto_id=f"t{pk}-admit-%s")

    def run(t: Transfer, d: dict) -> Transfer:
        return services.transfer_admit(actor=request.user, transfer=t, facility=d["facility"], bed_type=d["bed_type"])

    def success(t: Transfer) -> str:
        return _("%(p)s 已收治：%(f)s %(bed)s") % {"p": _person(t), "f": t.assigned_facility.name, "bed": t.get_assigned_bed_type_display()}

    return _act(request, pk, caps=(CasesCap.TREAT,), form=form, key="admit", run=run, success=success)


@case_details
@require_POST
def transfer_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST, auto_id=f"t{pk}-refuse-%s")

    def run(t: Transfer, d: dict) -> Transfer:
        return services.transfer_refuse(actor=request.user, transfer=t, reason=d["reason"])

    def success(t: Transfer) -> str:
        return _("已登记拒收，%(p)s 重新回到看板待转运（时限不变）") % {"p": _person(t)}

    return _act(request, pk, caps=(CasesCap.DISPATCH, CasesCap.TREAT), form=form, key="refuse", run=run, success=success)
