"""Supplies pages: the warehouses in the user's grants, and a warehouse's balances (low stock and
days of cover flagged), its recent movements, and the form for a receipt, an issue, a transfer or a
count. No personal data."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require_page, user_can

from . import stock
from .forms import StockForm
from .models import SupplyItem, Warehouse
from .permissions import LivelihoodCap
from .services.stock import stock_count, stock_issue, stock_receive, stock_transfer


def _choices(user: Any, warehouse: Warehouse) -> dict[str, list[tuple[int, str]]]:
    return {
        "items": [(i.pk, f"{i.name}（{i.unit}）") for i in SupplyItem.objects.order_by("category", "code")],
        "targets": [(w.pk, w.name) for w in Warehouse.objects.exclude(pk=warehouse.pk).order_by("kind", "name")],
    }


@login_required
def warehouses(request: HttpRequest) -> HttpResponse:
    require_page(request.user, LivelihoodCap.SUPPLIES)
    rows = [(w, [r for r in stock.warehouse_balances(w) if r.short]) for w in stock.warehouse_list(user=request.user)]
    return render(request, "livelihood/warehouses.html", {"rows": rows})


def _page(request: HttpRequest, warehouse: Warehouse, *, form: StockForm | None = None, status: int = 200) -> HttpResponse:
    ctx = {
        "warehouse": warehouse,
        "balances": stock.warehouse_balances(warehouse),
        "movements": stock.movements(warehouse),
        "form": form or StockForm(**_choices(request.user, warehouse)),
        "can_keep": user_can(request.user, LivelihoodCap.SUPPLIES),
        "cover_days": f"{stock.cover_alert_days():g}",
    }
    return render(request, "livelihood/warehouse.html", ctx, status=status)


@login_required
def warehouse_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, LivelihoodCap.SUPPLIES)
    return _page(request, stock.warehouse_get(user=request.user, pk=pk))


@login_required
@require_POST
def warehouse_move(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, LivelihoodCap.SUPPLIES)
    warehouse = stock.warehouse_get(user=request.user, pk=pk)
    form = StockForm(request.POST, **_choices(request.user, warehouse))
    if form.is_valid():
        d = form.cleaned_data
        item = get_object_or_404(SupplyItem, pk=int(d["item"]))
        with refused_on(form, fields={"to_unit": "to_unit", "counted": "quantity"}):
            if d["action"] == "receive":
                stock_receive(
                    actor=request.user, warehouse=warehouse, item=item, quantity=d["quantity"], source=d["source"], batch=d["batch"]
                )
            elif d["action"] == "issue":
                stock_issue(actor=request.user, warehouse=warehouse, item=item, quantity=d["quantity"], to_unit=d["to_unit"])
            elif d["action"] == "transfer":
                if not d["target"]:
                    raise DomainError(_("请选择调入仓库"), field="target")
                target = get_object_or_404(Warehouse, pk=int(d["target"]))
                stock_transfer(actor=request.user, source=warehouse, target=target, item=item, quantity=d["quantity"])
            else:
                stock_count(actor=request.user, warehouse=warehouse, item=item, counted=d["quantity"])
            messages.success(request, _("已记账"))
            return redirect("livelihood:warehouse_detail", pk=warehouse.pk)
    return _page(request, warehouse, form=form, status=422)
