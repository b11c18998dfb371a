"""Pages of units' requests for supplies (申领, no personal data): the requests a user's grants reach
— their unit's, or those asked of the warehouses they keep — with the form for a new one; a request
with its lines, what was issued for it, and the keeper's decision or the requester's withdrawal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError
from fangkong.core.formpages import FormsPage
from fangkong.core.permissions import require_page, user_can
from fangkong.geo.models import Community
from fangkong.isolation import selectors as isolation_selectors

from .choices import SupplyRequestStatus, SupplyUnitKind
from .forms import DecideForm, ReasonForm, SupplyRequestForm
from .models import SupplyItem, SupplyRequest, Warehouse
from .permissions import LivelihoodCap
from .services.supply_requests import supply_request_add, supply_request_cancel, supply_request_decide

Cap = LivelihoodCap


def _visible(user: Any):
    return SupplyRequest.objects.visible_to(user).select_related("warehouse")


def _sites(user: Any):
    """The isolation sites the user acts for (isolation's own rule: a facility grant or a place grant)."""
    return isolation_selectors.site_list(user=user).order_by("name")


def _new_form_choices(user: Any) -> dict[str, list[tuple[int, str]]]:
    communities = list(Community.objects.covered_by(user).select_related("street").order_by("street_id", "name")[:300])
    sites = list(_sites(user)[:300])
    districts = {c.street.district_id for c in communities} | {s.district_id for s in sites}
    warehouses = Warehouse.objects.filter(Q(district_id__in=districts) | Q(district__isnull=True)).order_by("kind", "name")
    return {
        "communities": [(c.pk, f"{c.street.name} · {c.name}") for c in communities],
        "sites": [(s.pk, s.name) for s in sites],
        "warehouses": [(w.pk, w.name) for w in warehouses],
        "items": [(i.pk, f"{i.name}（{i.unit}）") for i in SupplyItem.objects.order_by("category", "code")],
    }


def _list_context(request: HttpRequest, _obj: Any) -> dict[str, Any]:
    status = request.GET.get("status", "")
    qs = _visible(request.user)
    if status in SupplyRequestStatus.values:
        qs = qs.filter(status=status)
    can_request = user_can(request.user, Cap.REQUEST_SUPPLIES)
    return {
        "rows": list(qs.prefetch_related("lines__item")[:200]),
        "status": status,
        "statuses": SupplyRequestStatus.choices,
        "can_request": can_request,
        "choices": _new_form_choices(request.user) if can_request else {"communities": [], "sites": [], "warehouses": [], "items": []},
    }


LIST = FormsPage("livelihood/supply_requests.html", _list_context, form=lambda ctx: SupplyRequestForm(**ctx["choices"]))


def _requester_or_keeper(user: Any) -> None:
    require_page(user, Cap.REQUEST_SUPPLIES, Cap.SUPPLIES)


@login_required
def supply_requests(request: HttpRequest) -> HttpResponse:
    _requester_or_keeper(request.user)
    return LIST.show(request, None)


@login_required
@require_POST
def supply_request_create(request: HttpRequest) -> HttpResponse:
    require_page(request.user, Cap.REQUEST_SUPPLIES)
    form = SupplyRequestForm(request.POST, **_new_form_choices(request.user))

    def act(d: dict[str, Any]) -> HttpResponse:
        place = site = None
        if d["unit_kind"] == SupplyUnitKind.ISOLATION_SITE:
            site = _sites(request.user).filter(pk=int(d["site"] or 0)).first()
            if site is None:
                raise DomainError(_("请选择隔离点"), field="site")
        else:
            community = Community.objects.covered_by(request.user).select_related("street").filter(pk=int(d["community"] or 0)).first()
            if community is None:
                raise DomainError(_("请选择所在社区"), field="community")
            place = community.street if d["unit_kind"] == SupplyUnitKind.STREET else community
        items = SupplyItem.objects.in_bulk([pk for pk, _n in form.lines()])
        warehouse = Warehouse.objects.filter(pk=int(d["warehouse"])).first()
        if warehouse is None:
            raise DomainError(_("请选择仓库"), field="warehouse")
        req = supply_request_add(
            actor=request.user,
            unit_kind=d["unit_kind"],
            place=place,
            site=site,
            unit_name=d["unit_name"],
            warehouse=warehouse,
            purpose=d["purpose"],
            lines=[(items[pk], n) for pk, n in form.lines()],
        )
        messages.success(request, _("已提交申领，等待%(w)s审批") % {"w": warehouse.name})
        return redirect("livelihood:supply_request_detail", pk=req.pk)

    return LIST.post(request, None, "form", form, act)


def _detail_context(request: HttpRequest, req: SupplyRequest) -> dict[str, Any]:
    user = request.user
    lines = list(req.lines.select_related("item").order_by("id"))
    keeps = user_can(user, Cap.SUPPLIES) and Warehouse.objects.visible_to(user).filter(pk=req.warehouse_id).exists()
    return {
        "sreq": req,
        "lines": lines,
        "issued": list(req.movements.select_related("item").order_by("id")),
        "can_decide": keeps and req.status == SupplyRequestStatus.PENDING,
        "can_cancel": user_can(user, Cap.REQUEST_SUPPLIES) and req.status == SupplyRequestStatus.PENDING,
    }


DETAIL = FormsPage(
    "livelihood/supply_request.html",
    _detail_context,
    decide_form=lambda ctx: DecideForm(lines=ctx["lines"]),
    cancel_form=lambda ctx: ReasonForm(prefix="cancel"),
)


def _get(request: HttpRequest, pk: int) -> SupplyRequest:
    return get_object_or_404(_visible(request.user), pk=pk)


@login_required
def supply_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _requester_or_keeper(request.user)
    return DETAIL.show(request, _get(request, pk))


@login_required
@require_POST
def supply_request_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.SUPPLIES)
    req = _get(request, pk)
    form = DecideForm(request.POST, lines=list(req.lines.select_related("item").order_by("id")))

    def act(d: dict[str, Any]) -> HttpResponse:
        done = supply_request_decide(actor=request.user, request=req, approved=form.approved(), reason=d["reason"])
        messages.success(request, _("已审批：%(s)s") % {"s": done.get_status_display()})
        return redirect("livelihood:supply_request_detail", pk=req.pk)

    return DETAIL.post(request, req, "decide_form", form, act)


@login_required
@require_POST
def supply_request_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, Cap.REQUEST_SUPPLIES)
    req = _get(request, pk)

    def act(d: dict[str, Any]) -> HttpResponse:
        supply_request_cancel(actor=request.user, request=req, reason=d["reason"])
        messages.success(request, _("已撤回申领"))
        return redirect("livelihood:supply_request_detail", pk=req.pk)

    return DETAIL.post(request, req, "cancel_form", ReasonForm(request.POST, prefix="cancel"), act)
