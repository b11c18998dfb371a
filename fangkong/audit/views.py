"""The audit log pages: a filtered list and one event. Only for AUDIT_VIEW (403 otherwise)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from fangkong.audit.permissions import AUDIT_VIEW
from fangkong.core.exports import Column, describe_filters, wants_xlsx
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import user_can

from . import selectors
from .exports import export_xlsx
from .filters import AuditEventFilter


def audit_viewer_required(view: Any) -> Any:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_can(request.user, AUDIT_VIEW):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def event_columns() -> list[Column]:
    """The audit log as exported: each event's who, what and when, without its before/after values."""
    return [
        Column(_("时间"), lambda e: e.at, 18),
        Column(_("操作人"), lambda e: e.actor_name, 14),
        Column(_("事件"), lambda e: e.event_label, 16),
        Column(_("事件代码"), lambda e: e.event_type, 22),
        Column(_("对象类型"), lambda e: selectors.object_type_label(e.object_type), 18),
        Column(_("对象编号"), lambda e: e.object_id, 10),
        Column(_("对象"), lambda e: e.object_repr, 28),
        Column(_("条数"), lambda e: e.count, 8),
        Column(_("事由"), lambda e: e.reason, 28),
        Column(_("IP 地址"), lambda e: e.ip, 14),
    ]


@audit_viewer_required
def event_list(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilter(request.GET or None, queryset=selectors.event_list(user=request.user))
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="audit.event_list",
            title=_("审计日志"),
            columns=event_columns(),
            rows=filterset.qs,
            filters=describe_filters(request.GET, personal=()),
            filename="audit-events",
        )
    page = paginate(request, filterset.qs, per_page=50)
    rows = [
        (event, [d for d in selectors.event_diff(event) if d.changed], selectors.object_type_label(event.object_type))
        for event in page.object_list
    ]
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
    context = {"event": event, "diff": selectors.event_diff(event), "object_type": selectors.object_type_label(event.object_type)}
    return render_page(request, "audit/event_detail.html", context)
