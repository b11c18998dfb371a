"""The audit log pages: a filtered list and one event. Only for AUDIT_VIEW (403 otherwise)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from fangkong.audit.permissions import AUDIT_VIEW
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import user_can

from . import selectors
from .filters import AuditEventFilter


def audit_viewer_required(view: Any) -> Any:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_can(request.user, AUDIT_VIEW):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@audit_viewer_required
def event_list(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilter(request.GET or None, queryset=selectors.event_list(user=request.user))
    page = paginate(request, filterset.qs, per_page=50)
    rows = [(event, [d for d in selectors.event_diff(event) if d.changed]) for event in page.object_list]
    context = {
        "filter": filterset,
        "page_obj": page,
        "rows": rows,
        "visible": selectors.audit_visible(user=request.user),
        "object_types": selectors.event_object_types(user=request.user),
    }
    return render_page(request, "audit/event_list.html", context, partial="results")


@audit_viewer_required
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_get(user=request.user, pk=pk)
    return render_page(request, "audit/event_detail.html", {"event": event, "diff": selectors.event_diff(event)})
