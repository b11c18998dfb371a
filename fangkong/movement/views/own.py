"""Residents applying from their own phones (no account), and the community's list to confirm them.

The public form is rate-limited per network block, has a trap field for scripts, and answers the
same thank-you page for every well-formed application — a registered or unknown number, one already
waiting — so it tells nobody whether a person exists (no oracle). No personal data in any URL."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.pagination import paginate
from fangkong.core.permissions import need_to_know, require_page
from fangkong.core.ratelimit import public_limit
from fangkong.core.rows import RowsRefused

from ..choices import ApplicationStatus, SelfApplicationStatus
from ..forms import OwnApplicationForm
from ..models import SelfApplication
from ..permissions import MovementCap
from ..services.self_service import OwnApplication, self_apply, self_confirm, self_reject

APPLY_LIMITS = ((5, 600), (30, 86400))  # applications per network block: 5 in 10 minutes, 30 a day
PAGE_LIMITS = ((120, 60), (2000, 3600))


@never_cache
def apply(request: HttpRequest) -> HttpResponse:
    """离开申请（居民自助）. Whatever happens to a well-formed application, the same thank-you page."""
    if request.method != "POST":
        limited = public_limit(request, "movement:apply-page", PAGE_LIMITS)
        return limited or render(
            request, "movement/apply.html", {"form": OwnApplicationForm(initial={"travel_date": timezone.localdate()})}
        )
    limited = public_limit(request, "movement:apply", getattr(settings, "FANGKONG_MOVEMENT_APPLY_LIMITS", APPLY_LIMITS))
    if limited is not None:
        return limited
    form = OwnApplicationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if data["website"]:  # the trap: answered as a success, nothing written
            return redirect("movement:applied")
        try:
            self_apply(
                OwnApplication(
                    name=data["name"],
                    id_number=data["id_number"],
                    phone=data["phone"],
                    community_id=int(data["community"]) if data["community"] else None,
                    mode=data["mode"],
                    destination=data["destination"],
                    travel_date=data["travel_date"],
                )
            )
        except RowsRefused as exc:
            form.refuse_rows(exc)
        else:
            return redirect("movement:applied")
    return render(request, "movement/apply.html", {"form": form}, status=422)


def applied(request: HttpRequest) -> HttpResponse:
    return render(request, "movement/applied.html")


@need_to_know(MovementCap.VIEW)
def own_list(request: HttpRequest) -> HttpResponse:
    """The residents' own applications waiting in the worker's communities (masked)."""
    require_page(request.user, MovementCap.DEPART)
    status = request.GET.get("status") or SelfApplicationStatus.PENDING
    rows = SelfApplication.objects.visible_to(request.user).select_related("application")
    if status in SelfApplicationStatus.values:
        rows = rows.filter(status=status)
    context = {
        "page_obj": paginate(request, rows.order_by("created_at", "id")),
        "status": status,
        "statuses": SelfApplicationStatus.choices,
    }
    return render(request, "movement/own_list.html", context)


@need_to_know(MovementCap.VIEW)
@require_POST
def own_review(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, MovementCap.DEPART)
    try:
        if request.POST.get("action") == "reject":
            self_reject(actor=request.user, pk=pk, reason=request.POST.get("reason", ""))
            messages.success(request, _("已标记为未通过，请电话告知申请人。"))
        else:
            app = self_confirm(actor=request.user, pk=pk)
            if app.status == ApplicationStatus.APPROVED:
                messages.success(request, _("%(name)s 已核实，符合离开条件。") % {"name": app.person.name})
            else:
                why = "；".join(d["text"] for d in app.unmet)
                messages.warning(request, _("%(name)s 已核实，暂不符合离开条件：%(why)s") % {"name": app.person.name, "why": why})
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        if exc.rule == "movement.scope":  # another community's: as if it did not exist
            raise Http404 from exc
        messages.error(request, exc.message)
    return redirect("movement:own_list")
