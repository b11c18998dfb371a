"""The receiving unit's handover confirmation: in this city on its batch's receiving page (a user of
the receiving district), elsewhere through the one-time link sent to the unit's webhook. Opening the
link puts it in the browser's session and redirects to a URL without it (the token stays out of later
URLs and logs); the page shows the boarded people by masked name, the receiver enters the count that
arrived and ticks each name."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import need_to_know, require_page
from fangkong.core.ratelimit import public_limit

from .. import selectors
from ..permissions import MovementCap
from ..services import handover as services

SESSION_KEY = "movement_handover_link"
LINK_LIMITS = ((30, 600), (200, 86400))


def _count(request: HttpRequest) -> int | None:
    raw = (request.POST.get("count") or "").strip()
    return int(raw) if raw.isdigit() else None


def _arrived(request: HttpRequest) -> list[int]:
    return [int(v) for v in request.POST.getlist("arrived") if v.isdigit()]


@need_to_know(MovementCap.VIEW)
def batch_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """接收确认 (in this city): only the receiving unit's users reach it; anyone else answers 404."""
    require_page(request.user, MovementCap.ORGANISE)
    batch = get_object_or_404(selectors.batches_to_receive(user=request.user).select_related("receiver"), pk=pk)
    error = None
    if request.method == "POST":
        try:
            services.batch_receive(actor=request.user, batch=batch, count=_count(request), arrived=_arrived(request))
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("交接已确认。"))
            return redirect("movement:batch_receive", pk=pk)
        batch.refresh_from_db()
    context = {
        "batch": batch,
        "sheet": services.handover_sheet(batch),
        "error": error,
        "in_platform": True,
        "ticked": set(_arrived(request)),
    }
    return render(request, "movement/batch_receive.html", context, status=422 if error else 200)


@never_cache
def handover_link(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the one-time link: checked, kept in the session, then the page without the token."""
    limited = public_limit(request, "movement:handover-link", LINK_LIMITS)
    if limited is not None:
        return limited
    try:
        services.link_from_token(token)
    except DomainError as exc:
        return render(request, "movement/handover_link_refused.html", {"error": exc}, status=410)
    request.session.cycle_key()
    request.session[SESSION_KEY] = token
    return redirect("movement:handover_confirm")


@never_cache
def handover_confirm(request: HttpRequest) -> HttpResponse:
    limited = public_limit(request, "movement:handover-link", LINK_LIMITS)
    if limited is not None:
        return limited
    token = request.session.get(SESSION_KEY)
    if not token:
        raise Http404
    try:
        link = services.link_from_token(token)
    except DomainError as exc:
        return render(request, "movement/handover_link_refused.html", {"error": exc}, status=410)
    batch = link.batch
    error = None
    if request.method == "POST":
        try:
            services.batch_receive_by_link(
                token=token, count=_count(request), arrived=_arrived(request), confirmed_by=request.POST.get("confirmed_by", "")
            )
        except DomainError as exc:
            error = exc
        else:
            request.session.pop(SESSION_KEY, None)
            return render(request, "movement/handover_link_refused.html", {"done": True, "batch": batch})
        batch.refresh_from_db()
    context = {
        "batch": batch,
        "sheet": services.handover_sheet(batch),
        "error": error,
        "in_platform": False,
        "ticked": set(_arrived(request)),
    }
    return render(request, "movement/batch_receive.html", context, status=422 if error else 200)
