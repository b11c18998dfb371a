"""Point-to-point batch pages: the list and the sending unit's demand list (ID numbers, one a line),
one batch with its people (masked), and its steps — pre-travel check (a temperature per person),
transport plan, boarding (ID numbers scanned), 成熟一批 split, departure. The handover is confirmed by
the receiving unit (views/handover.py), never on these pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import need_to_know, require_page, user_can

from .. import selectors
from ..choices import BatchKind, BatchStatus, MemberStatus
from ..models import TransferBatch
from ..permissions import MovementCap
from ..services import batches as services
from ..services import handover
from .common import districts_of

ABOARD = (MemberStatus.BOARDED, MemberStatus.ARRIVED)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _int(raw: str) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else None


def _when(raw: str):
    """A datetime-local field (Beijing time) → aware, or None."""
    value = parse_datetime(raw) if raw else None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@need_to_know(MovementCap.VIEW)
def batch_list(request: HttpRequest) -> HttpResponse:
    can_organise = user_can(request.user, MovementCap.ORGANISE)
    if request.method == "POST":
        require_page(request.user, MovementCap.ORGANISE)
        district = (
            districts_of(request.user).filter(pk=request.POST.get("district") or 0).first()
            if (request.POST.get("district") or "").isdigit()
            else None
        )
        try:
            batch = services.batch_create(
                actor=request.user,
                district=district,
                kind=request.POST.get("kind", ""),
                sending_unit=request.POST.get("sending_unit", ""),
                receiving_unit=request.POST.get("receiving_unit", ""),
                destination=request.POST.get("destination", ""),
                id_numbers=_lines(request.POST.get("id_numbers", "")),
                requested_count=_int(request.POST.get("requested_count", "")),
                pickup_at=_when(request.POST.get("pickup_at", "")),
                pickup_place=request.POST.get("pickup_place", ""),
                receiver=selectors.receivers().filter(pk=request.POST.get("receiver") or 0).first()
                if (request.POST.get("receiver") or "").isdigit()
                else None,
            )
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("批次已建立，请逐人检测。"))
            return redirect("movement:batch_detail", pk=batch.pk)
    batches = TransferBatch.objects.visible_to(request.user).order_by("-created_at", "-id")[:200]
    context = {
        "batches": batches,
        "to_receive": selectors.batches_to_receive(user=request.user).filter(status=BatchStatus.IN_TRANSIT).order_by("departed_at", "id"),
        "can_organise": can_organise,
        "kinds": BatchKind.choices,
        "districts": districts_of(request.user),
        "receivers": selectors.receivers(),
    }
    return render(request, "movement/batch_list.html", context)


@need_to_know(MovementCap.VIEW)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(TransferBatch.objects.visible_to(request.user), pk=pk)
    context = {
        "batch": batch,
        "members": batch.members.select_related("person", "vehicle").order_by("id"),
        "vehicles": batch.vehicles.annotate(aboard=Count("members", filter=Q(members__status__in=ABOARD))),
        "plan_rows": range(PLAN_ROWS),
        "can_organise": user_can(request.user, MovementCap.ORGANISE),
        "listed": MemberStatus.LISTED,
        "notices": selectors.notices_of(batch=batch),
        "unaccounted": batch.members.filter(unaccounted_at__isnull=False).count(),
        "receivers": selectors.receivers() if batch.awaiting_handover and batch.receiver_id is None else (),
    }
    return render(request, "movement/batch_detail.html", context)


def _check(request: HttpRequest, batch: TransferBatch) -> str:
    temps = {int(k.removeprefix("t-")): v for k, v in request.POST.items() if k.startswith("t-") and k[2:].isdigit() and v.strip()}
    counts = services.batch_check(actor=request.user, batch=batch, temperatures=temps)
    return _("检测完成：合格 %(r)s 人，移出 %(x)s 人。") % {"r": counts["ready"], "x": counts["removed"]}


PLAN_ROWS = 4  # vehicle rows on the plan form (empty rows are ignored)


def _plan(request: HttpRequest, batch: TransferBatch) -> str:
    rows = []
    for n in range(PLAN_ROWS):
        cells = [request.POST.get(f"v{n}-{f}", "").strip() for f in ("plate", "seats", "driver_name", "driver_id")]
        if any(cells):
            rows.append(services.VehiclePlan(*cells))
    services.batch_plan(
        actor=request.user,
        batch=batch,
        vehicles=rows,
        route=request.POST.get("route", ""),
        departs_at=_when(request.POST.get("departs_at", "")),
    )
    return _("运输计划已保存。")


def _board(request: HttpRequest, batch: TransferBatch) -> str:
    n = services.batch_board(
        actor=request.user,
        batch=batch,
        id_numbers=_lines(request.POST.get("id_numbers", "")),
        vehicle=_int(request.POST.get("vehicle", "")),
    )
    return _("已登车 %(n)s 人。") % {"n": n}


def _split(request: HttpRequest, batch: TransferBatch) -> str:
    following = services.batch_split_waiting(actor=request.user, batch=batch)
    return _("未就绪的 %(n)s 人已转入下一批。") % {"n": following.members.count()} if following else _("没有待转入下一批的人员。")


def _resend(request: HttpRequest, batch: TransferBatch) -> str:
    handover.link_resend(actor=request.user, batch=batch)
    return _("新的交接确认链接已发送至接收单位（原链接作废）。")


def _receiver(request: HttpRequest, batch: TransferBatch) -> str:
    raw = request.POST.get("receiver") or ""
    receiver = selectors.receivers().filter(pk=raw).first() if raw.isdigit() else None
    handover.batch_set_receiver(actor=request.user, batch=batch, receiver=receiver)
    return _("已指定接收单位并通知，到达后由其确认交接。")


def _depart(request: HttpRequest, batch: TransferBatch) -> str:
    services.batch_depart(actor=request.user, batch=batch)
    return _("已出发。")


STEPS = {"check": _check, "plan": _plan, "board": _board, "split": _split, "depart": _depart, "resend": _resend, "receiver": _receiver}


@need_to_know(MovementCap.VIEW)
@require_POST
def batch_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    require_page(request.user, MovementCap.ORGANISE)
    if step not in STEPS:
        raise Http404
    batch = get_object_or_404(TransferBatch.objects.visible_to(request.user), pk=pk)
    try:
        done = STEPS[step](request, batch)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("movement:batch_detail", pk=pk)
