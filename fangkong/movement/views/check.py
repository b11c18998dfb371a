"""The checkpoint's phone page and what it talks to.

The page (static/js/movement-check.js) verifies a pass's code OFFLINE in the browser with the
published public key (WebCrypto Ed25519) and the signed revocation list it downloaded, shows plate,
driver (masked), purpose, route and validity, and queues the scan; the queue is sent to
`scan` when the phone is online (each scan with its own id and time, so a retry records it once).
The server verifies the code again and decides: what the phone showed offline is a first answer."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangkong.core.api import parse_moment
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require_page

from .. import codes, selectors, signing
from ..models import Checkpoint
from ..permissions import MovementCap
from ..services.scans import SCAN_CHECKPOINT_FIELDS, pass_scan


@login_required
def check(request: HttpRequest) -> HttpResponse:
    require_page(request.user, MovementCap.CHECK)
    checkpoints = list(selectors.checkpoint_list(user=request.user, approved_only=True))
    labels = {
        "valid": _("签名有效"),
        "forged": _("伪造或被篡改的通行证：签名不符，拒绝通行"),
        "revoked": _("通行证已撤销，拒绝通行"),
        "reused": _("该通行证行程已完成，不得重复使用"),
        "expired": _("通行证已过期"),
        "notYet": _("通行证尚未生效"),
        "wrongPlate": _("车牌与通行证不符（不得转借）"),
        "wrongDriver": _("驾驶人证件号与通行证不符（不得转借）"),
        "queued": _("已离线核验，联网后自动上传（待上传 {n} 条）"),
        "sent": _("已上传"),
        "offline": _("离线"),
        "online": _("在线"),
        "noCrypto": _("此浏览器不支持离线验签（需 Ed25519），请联网核验"),
        "listAge": _("撤销名单更新于 {t}"),
        "noList": _("尚未下载撤销名单"),
        "plate": _("车牌"),
        "driver": _("驾驶人"),
        "purpose": _("事由"),
        "route": _("路线"),
        "validity": _("有效期"),
        "number": _("通行证编号"),
        "serverSays": _("服务器核验："),
    }
    context = {
        "checkpoints": checkpoints,
        "config": {
            "publicKey": signing.public_key_document(),
            "scanUrl": reverse("movement:scan"),
            "revocationsUrl": reverse("movement:revocations"),
            "labels": labels,
        },
    }
    return render(request, "movement/check.html", context)


@login_required
@require_GET
def revocations(request: HttpRequest) -> HttpResponse:
    """The signed list of revoked and completed passes a checkpoint phone keeps for offline checks."""
    require_page(request.user, MovementCap.CHECK)
    return JsonResponse({"token": codes.revocation_token()})


def _error(message: str, field: str = "", status: int = 400) -> JsonResponse:
    return JsonResponse({"detail": message, "field": field}, status=status, json_dumps_params={"ensure_ascii": False})


@login_required
@require_POST
def scan(request: HttpRequest) -> HttpResponse:
    """Record one scan: {checkpoint, token, client_ref, plate?, driver_id?, arrived?, scanned_at?}.
    Answers 200 with the outcome (a refused pass is recorded and answered, not an error); 400
    naming the field for a malformed request, nothing recorded."""
    try:
        require_page(request.user, MovementCap.CHECK)
    except PermissionDenied as exc:
        return _error(str(exc), status=403)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(_("请求格式不对"))
    if not isinstance(body, dict):
        return _error(_("请求格式不对"))
    cp_id = body.get("checkpoint")
    if not isinstance(cp_id, int):
        return _error(_("请选择卡口"), "checkpoint")
    # Only what the scan row copies (its place) — a scan is the checkpoint's hottest request.
    checkpoint = get_object_or_404(Checkpoint.objects.visible_to(request.user).only(*SCAN_CHECKPOINT_FIELDS), pk=cp_id)
    scanned_at = None
    if body.get("scanned_at"):
        try:
            scanned_at = parse_moment(str(body["scanned_at"]))
        except ValueError:
            scanned_at = None
        if scanned_at is None:
            return _error(_("核验时间格式不对"), "scanned_at")
    try:
        result = pass_scan(
            actor=request.user,
            checkpoint=checkpoint,
            token=str(body.get("token") or ""),
            client_ref=str(body.get("client_ref") or ""),
            plate=str(body.get("plate") or ""),
            driver_id=str(body.get("driver_id") or ""),
            arrived=bool(body.get("arrived")),
            scanned_at=scanned_at,
        )
    except PermissionRefused as exc:
        return _error(exc.message, status=403)
    except DomainError as exc:
        return _error(exc.message, exc.field)
    vp = result.vehicle_pass
    return JsonResponse(
        {
            "passed": result.passed,
            "outcome": result.scan.outcome,
            "refusal": result.scan.refusal,
            "message": result.message,
            "pass": vp.number if vp is not None else "",
            "client_ref": result.scan.client_ref,
        },
        json_dumps_params={"ensure_ascii": False},
    )
