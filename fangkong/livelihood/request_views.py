"""民生保障 pages of residents' requests: the list (overdue first to act on), a request with what
may be done to it — deliver (with the packs it carries from stock), confirm, cancel the delivery
(its packs go back), reassign, cancel — and the deliverer's phone page. A deliverer without
livelihood.details (a volunteer) never sees a request's page: their writes answer on their phone page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.clock import now
from fangkong.core.formpages import FormsPage
from fangkong.core.permissions import need_to_know, require_page, user_can, withheld

from . import selectors
from .choices import Handover, RequestStatus
from .forms import ConfirmForm, DeliverForm, ReasonForm, ReassignForm
from .models import GroupMember, StockBalance, SupplyItem, Warehouse
from .permissions import LivelihoodCap
from .services.requests import delivery_cancel, packs_out, request_cancel, request_confirm, request_deliver, request_reassign, under_control

Cap = LivelihoodCap


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    overdue = request.GET.get("overdue") == "1"
    hidden = withheld(request.user, Cap.DETAILS)
    qs = selectors.request_list(user=request.user, overdue=overdue)
    return render(
        request,
        "livelihood/requests.html",
        {"requests": list(qs[:300]), "count": qs.count(), "overdue": overdue, "withheld": hidden, "now": now()},
    )


def _pack_choices(req: Any) -> dict[str, list[tuple[int, str]]]:
    """The warehouses of the resident's district and the items they hold, for a delivery's packs."""
    warehouses = list(Warehouse.objects.filter(district_id=req.district_id).order_by("kind", "name"))
    if not warehouses:
        return {"warehouses": [], "items": []}
    held = StockBalance.objects.filter(warehouse__in=warehouses, quantity__gt=0).values("item_id")
    items = SupplyItem.objects.filter(pk__in=held)
    return {"warehouses": [(w.pk, w.name) for w in warehouses], "items": [(i.pk, f"{i.name}（{i.unit}）") for i in items.order_by("code")]}


def _members(req: Any) -> list[tuple[int, str]]:
    found = GroupMember.objects.filter(group__community_id=req.community_id).select_related("group").order_by("group_id", "id")
    return [(m.pk, f"{m}·{m.group.name}") for m in found if m.pk != req.member_id]


def _request_context(request: HttpRequest, req: Any) -> dict[str, Any]:
    user = request.user
    return {
        "req": req,
        "controlled": under_control(req.entry, now()) if req.status == RequestStatus.OPEN else "",
        "can_deliver": user_can(user, Cap.DELIVER),
        "can_keep": user_can(user, Cap.LEDGER),
        "packs": packs_out(req) if req.status != RequestStatus.OPEN else [],
        "now": now(),
    }


def _deliver_form(ctx: dict[str, Any]) -> DeliverForm:
    handover = Handover.GATE if ctx["controlled"] else Handover.HOME_DOOR
    return DeliverForm(initial={"handover": handover}, **_pack_choices(ctx["req"]))


REQUEST = FormsPage(
    "livelihood/request.html",
    _request_context,
    deliver_form=_deliver_form,
    confirm_form=lambda ctx: ConfirmForm(initial={"by": "grid_worker" if ctx["req"].handover == Handover.GATE else "recipient"}),
    undeliver_form=lambda ctx: ReasonForm(prefix="undeliver"),
    cancel_form=lambda ctx: ReasonForm(prefix="cancel"),
    reassign_form=lambda ctx: ReassignForm(members=_members(ctx["req"])),
)


@need_to_know(Cap.DETAILS)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return REQUEST.show(request, selectors.request_get(user=request.user, pk=pk))


def _back(request: HttpRequest, req: Any) -> HttpResponse:
    """After a delivery's write: the deliverer's page when it was posted from there or when the
    user may not see the request's page (no livelihood.details: a volunteer), else the request."""
    if request.POST.get("next") == "deliveries" or not user_can(request.user, Cap.DETAILS):
        return redirect("livelihood:deliveries")
    return redirect("livelihood:request_detail", pk=req.pk)


def _delivery_post(request: HttpRequest, req: Any, name: str, form: Any, act: Callable[[dict[str, Any]], HttpResponse]) -> HttpResponse:
    """A delivery's form posted (record, confirm, cancel). Its refusal shows only what the user may
    see: the request's page again (422) for one with livelihood.details; for a deliverer without it
    (a volunteer), whose refused form would otherwise show the resident's name and address, their
    deliveries page with the form's errors as messages."""
    if user_can(request.user, Cap.DETAILS):
        return REQUEST.post(request, req, name, form, act)
    if form.is_valid():
        with refused_on(form):
            return act(form.cleaned_data)
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, _("%(field)s：%(error)s") % {"field": label, "error": error} if label else error)
    return redirect("livelihood:deliveries")


@need_to_know(Cap.DELIVER)
@require_POST
def request_deliver_view(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.request_get(user=request.user, pk=pk)
    choices = _pack_choices(req)
    form = DeliverForm(request.POST, **choices)

    def act(d: dict[str, Any]) -> HttpResponse:
        warehouse = Warehouse.objects.filter(pk=int(d["warehouse"])).first() if d["warehouse"] else None
        items = SupplyItem.objects.in_bulk([pk for pk, _n in form.packs()])
        request_deliver(
            actor=request.user,
            request=req,
            handover=d["handover"],
            handed_to=d["handed_to"],
            warehouse=warehouse,
            packs=[(items[pk], n) for pk, n in form.packs()],
        )
        messages.success(request, _("已登记送达"))
        return _back(request, req)

    return _delivery_post(request, req, "deliver_form", form, act)


@need_to_know(Cap.DELIVER)
@require_POST
def request_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    req = selectors.request_get(user=request.user, pk=pk)

    def act(d: dict[str, Any]) -> HttpResponse:
        request_confirm(actor=request.user, request=req, by=d["by"])
        messages.success(request, _("已确认收到"))
        return _back(request, req)

    return _delivery_post(request, req, "confirm_form", ConfirmForm(request.POST), act)


def _with_reason(request: HttpRequest, pk: int, prefix: str, service: Any, done: str) -> HttpResponse:
    """A write on a request that takes only a reason (cancel it, cancel its delivery): its form is
    the page's `<prefix>_form`, a ReasonForm with that prefix."""
    req = selectors.request_get(user=request.user, pk=pk)

    def act(d: dict[str, Any]) -> HttpResponse:
        service(actor=request.user, request=req, reason=d["reason"])
        messages.success(request, done)
        return _back(request, req)

    return _delivery_post(request, req, f"{prefix}_form", ReasonForm(request.POST, prefix=prefix), act)


@need_to_know(Cap.DELIVER)
@require_POST
def delivery_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _with_reason(request, pk, "undeliver", delivery_cancel, _("已撤销配送，携带物资已退回仓库"))


@need_to_know(Cap.DETAILS)
@require_POST
def request_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    return _with_reason(request, pk, "cancel", request_cancel, _("已取消需求"))


@need_to_know(Cap.DETAILS)
@require_POST
def request_reassign_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.LEDGER)
    req = selectors.request_get(user=request.user, pk=pk)
    # Any member the user's grants reach is offered back, so one of another community is refused by
    # the service (naming the field), not by the form's choices.
    reachable = GroupMember.objects.filter(group__in=selectors.ServiceGroup.objects.visible_to(request.user))
    raw = request.POST.get("member", "")
    member = reachable.filter(pk=int(raw)).select_related("group").first() if raw.isdigit() else None
    form = ReassignForm(request.POST, members=[(member.pk, str(member))] if member else [])

    def act(d: dict[str, Any]) -> HttpResponse:
        request_reassign(actor=request.user, request=req, member=member, reason=d["reason"])
        messages.success(request, _("已改派给%(who)s") % {"who": member.name})
        return redirect("livelihood:request_detail", pk=req.pk)

    return REQUEST.post(request, req, "reassign_form", form, act)


@need_to_know(Cap.DELIVER)
def deliveries(request: HttpRequest) -> HttpResponse:
    """The deliverer's phone page: today's requests (theirs and their group's), the address, what
    to bring, and the delivery to record; for a user who may see the ledger's residents (the grid
    worker), the gate handovers to confirm (`selectors.gate_handovers`)."""
    at = now()
    rows = [
        (r, under_control(r.entry, at) if r.status == RequestStatus.OPEN else "") for r in selectors.deliverer_requests(request.user, at=at)
    ]
    context = {
        "rows": rows,
        "gate": list(selectors.gate_handovers(request.user)[:50]),
        "now": at,
        "may_open": user_can(request.user, Cap.DETAILS),  # the request's page (packs from stock): 403 without it
    }
    return render(request, "livelihood/deliveries.html", context)
