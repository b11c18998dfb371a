"""Vehicle pass pages: the list, the request form, one pass with its QR code (printed or shown on
the driver's phone) and its scans, approve and revoke; the public key checkpoints verify with."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fangkong.core.actions import refused_on
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.pagination import paginate
from fangkong.core.permissions import need_to_know, require_page, user_can
from fangkong.core.ratelimit import public_limit

from .. import codes, driver_link, selectors, signing
from ..alerts import FLAGGED_REFUSALS
from ..choices import PassStatus, ScanRefusal
from ..forms import PassForm, ReasonForm
from ..permissions import MovementCap
from ..services import passes as services
from ..services.passes import masked_name
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
    link_token = driver_link.driver_token(vp)
    link = request.build_absolute_uri(reverse("movement:driver_pass", args=[link_token])) if link_token else ""
    context = {
        "driver_link": link,
        "driver_link_qr": codes.qr_svg(link) if link else "",
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


# Per link (the token's body): a driver's phone reloading; per address only a loose cap, as drivers behind a
# carrier's NAT share one IPv4 address (a guessed token opens nothing: the links are signed).
DRIVER_PAGE_TOKEN_LIMITS = ((30, 60), (300, 3600))
DRIVER_PAGE_ADDRESS_LIMITS = ((600, 60),)
DRIVER_REFUSALS = {
    "expired": gettext_lazy("通行证已过有效期，二维码已失效。"),
    "revoked": gettext_lazy("通行证已被签发单位撤销，不能再使用。"),
    "completed": gettext_lazy("本次行程已完成，通行证已失效（一证一次行程）。"),
    "superseded": gettext_lazy("通行证已重新签发，此链接已失效，请向签发单位索取新链接。"),
}


@never_cache
@require_GET
def driver_pass(request: HttpRequest, token: str) -> HttpResponse:
    """Public (no account): the pass on the driver's phone, by its signed link. A link not ours
    answers 404; an expired, revoked, completed or re-issued pass 410, without the code."""
    limited = public_limit(request, "movement:driver-pass", DRIVER_PAGE_ADDRESS_LIMITS) or public_limit(
        request, "movement:driver-pass-link", DRIVER_PAGE_TOKEN_LIMITS, subject=token.split(":", 1)[0]
    )  # the token's signed body (the pass, its serial, its end): the same link however often it is signed
    if limited is not None:
        return limited
    opened = driver_link.open_link(token)
    if opened.vp is None:
        return _driver_response(render(request, "movement/driver_pass.html", {"invalid": True}, status=404))
    vp = opened.vp
    code = codes.pass_token(vp) if not opened.refusal else ""
    context = {
        "vp": vp,
        "driver": masked_name(vp.driver_name),
        "refusal": DRIVER_REFUSALS.get(opened.refusal, ""),
        "qr": codes.qr_svg(code) if code else "",
        "not_yet": not opened.refusal and vp.valid_from > timezone.now(),
    }
    return _driver_response(render(request, "movement/driver_pass.html", context, status=410 if opened.refusal else 200))


def _driver_response(response: HttpResponse) -> HttpResponse:
    # The link is the driver's key: never sent on as a referrer, never indexed, never cached.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
