"""Vehicle pass pages: the list, the request form, one pass with its QR code (printed or shown on
the driver's phone) and its scans, approve and revoke; the public key checkpoints verify with."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.pagination import paginate
from fangkong.core.permissions import need_to_know, require_page, user_can

from .. import codes, selectors, signing
from ..alerts import FLAGGED_REFUSALS
from ..choices import PassStatus, ScanRefusal
from ..forms import PassForm, ReasonForm
from ..permissions import MovementCap
from ..services import passes as services
from .common import districts_of


@need_to_know(MovementCap.VIEW)
def pass_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    q = (request.GET.get("q") or "").strip()[:30]
    page = paginate(request, selectors.pass_list(user=request.user, status=status, q=q))
    context = {
        "page_obj": page,
        "status": status,
        "q": q,
        "statuses": PassStatus.choices,
        "can_issue": user_can(request.user, MovementCap.PASS_ISSUE),
    }
    return render(request, "movement/pass_list.html", context)


@need_to_know(MovementCap.VIEW)
def refused_scans(request: HttpRequest) -> HttpResponse:
    """The refused scans of this office's passes (and of unrecognised codes at its checkpoints):
    when, where, the plate on the pass and the plate seen, and why — reuse, forgery and lending
    flagged (they are also notified)."""
    refusal = request.GET.get("refusal", "")
    page = paginate(request, selectors.refused_scans(user=request.user, refusal=refusal))
    context = {"page_obj": page, "refusal": refusal, "refusals": ScanRefusal.choices, "flagged": set(FLAGGED_REFUSALS)}
    return render(request, "movement/refused_scans.html", context)


@need_to_know(MovementCap.VIEW)
def pass_new(request: HttpRequest) -> HttpResponse:
    require_page(request.user, MovementCap.PASS_ISSUE)
    form = PassForm(request.POST or None, districts=districts_of(request.user))
    if request.method == "POST" and form.is_valid():
        with refused_on(form):
            vp = services.pass_request(actor=request.user, **form.cleaned_data)
            messages.success(request, _("已提交通行证申请，等待审批。"))
            return redirect("movement:pass_detail", pk=vp.pk)
    return render(request, "movement/pass_new.html", {"form": form}, status=422 if form.errors else 200)


def _detail(request: HttpRequest, pk: int, *, form: ReasonForm | None = None, status: int = 200) -> HttpResponse:
    vp = selectors.pass_get(user=request.user, pk=pk)
    token = codes.pass_token(vp) if vp.status == PassStatus.APPROVED else ""
    context = {
        "vp": vp,
        "token": token,
        "qr": codes.qr_svg(token) if token else "",
        "payload": codes.pass_payload(vp),
        "scans": selectors.pass_scans(vp),
        "can_approve": user_can(request.user, MovementCap.PASS_APPROVE),
        "form": form or ReasonForm(),
        "printing": request.GET.get("print") == "1",
    }
    return render(request, "movement/pass_detail.html", context, status=status)


@need_to_know(MovementCap.VIEW)
def pass_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    require_page(request.user, MovementCap.PASS_APPROVE)
    vp = selectors.pass_get(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        action(vp, form.cleaned_data.get("reason", ""))
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        form.refuse(exc)
        return _detail(request, pk, form=form, status=422)
    messages.success(request, done)
    return redirect("movement:pass_detail", pk=pk)


@need_to_know(MovementCap.VIEW)
@require_POST
def pass_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda vp, _r: services.pass_approve(actor=request.user, vehicle_pass=vp), _("已审批签发，通行证二维码生效。"))


@need_to_know(MovementCap.VIEW)
@require_POST
def pass_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        lambda vp, r: services.pass_revoke(actor=request.user, vehicle_pass=vp, reason=r),
        _("已撤销；卡口下载撤销名单后离线也会拒绝。"),
    )


def public_key(request: HttpRequest) -> HttpResponse:
    """Public, without login: the key checkpoints verify passes with (no personal data)."""
    response = JsonResponse(signing.public_key_document())
    response["Cache-Control"] = "public, max-age=3600"
    return response
