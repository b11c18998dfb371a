"""The notification centre: the user's own list (newest first, paginated; unread only on request),
marking read, muting a rule, and the bell's fragment (htmx refreshes it every minute). Every page
shows the signed-in user's own notifications only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from fangkong.core.pagination import paginate

from . import selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, selectors.notification_list(user=request.user, unread_only=unread_only))
    return render(
        request,
        "notifications/list.html",
        {
            "page_obj": page,
            "rows": selectors.shown(page.object_list),
            "unread_only": unread_only,
            "unread": selectors.unread_count(request.user),
            "subscriptions": selectors.subscriptions(request.user),
        },
    )


def bell(request: HttpRequest) -> HttpResponse:
    """The bell's fragment. Signed out (a session that expired under an open page): 204, so htmx's
    poll leaves the bell alone instead of swapping the login page into it."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    return render(request, "notifications/_bell.html", {"unread": selectors.unread_count(request.user, cap=selectors.BELL_CAP)})


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and go to the object's page (or back to the list when there is none)."""
    notification = services.mark_read(user=request.user, pk=pk)
    # a path of this site only ("/\\host" is another host to a browser: Django's own check)
    if notification.url.startswith("/") and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.mark_read(user=request.user, pk=pk)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    return _back(request)


@login_required
@require_POST
def rule_mute(request: HttpRequest, rule: str) -> HttpResponse:
    if request.POST.get("muted") == "0":
        services.unmute(user=request.user, rule=rule)
    else:
        services.mute(user=request.user, rule=rule)
    return _back(request)
