"""Read-only pages: the home page — for the command, district and street offices the 三快一严 board
first (fangkong.reports.board_views), then the day's work of the user's role (the panels each module
contributes, fangkong.core.landing) and, for the offices, the overview of their places. Never
writes domain rows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.dbrouting import reads_from_replica
from fangkong.core.landing import facility_names, has_places, landing_panels
from fangkong.core.permissions import user_can
from fangkong.core.roles import Role, roles
from fangkong.geo import selectors as geo
from fangkong.geo.permissions import GeoCap

from . import selectors
from .board_views import BOARD_ROLES, board_context

LEVEL_PLURALS = {
    "district": _("各区县"),
    "street": _("各街道（乡镇）"),
    "community": _("各社区（村）"),
    "compound": _("各小区"),
}


# Roles whose home page is their work alone (their places' overview is one click away).
WORK_ONLY = roles(Role.GRID_WORKER)


@login_required
@reads_from_replica
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    panels = landing_panels(user=user, now=timezone.now())
    places = has_places(user)
    context = {
        "panels": panels,
        "facilities": facility_names(user),
        "has_places": places,
        "show_overview": places and getattr(user, "role", "") not in WORK_ONLY,
        "can_import": user_can(user, GeoCap.IMPORT),
    }
    if context["show_overview"]:
        context |= overview_context(user)
    elif places:
        level, place = selectors.overview_root(user=user)
        context["root_url"] = reverse("geo:place", args=[level, place.pk]) if place else reverse("geo:browse")
        context["crumbs"] = geo.breadcrumbs(place, level)
        context["grids"] = selectors.covered_grid_names(user=user)
    context["no_jurisdiction"] = not places and not context["facilities"]
    if places and getattr(user, "role", "") in BOARD_ROLES:  # 三快一严 first, the day's panels below
        context |= board_context(user)
        context["show_board"] = True
    return render(request, "reports/home.html", context)


def overview_context(user: Any) -> dict[str, Any]:
    data = selectors.overview(user=user)
    totals = data.totals
    root_index = selectors.ROOT_LEVELS.index(data.level)
    place_cards = [
        ("districts", _("区县"), "map", "district"),
        ("streets", _("街道（乡镇）"), "signpost-split", "street"),
        ("communities", _("社区（村）"), "houses", "community"),
    ]
    cards = [
        {"key": key, "label": label, "icon": icon, "value": totals[key]}
        for key, label, icon, level in place_cards
        if selectors.ROOT_LEVELS.index(level) > root_index
    ]
    cards += [
        {"key": "grids", "label": _("网格"), "icon": "grid-3x3-gap", "value": totals["grids"]},
        {"key": "households", "label": _("户数"), "icon": "house-door", "value": totals["households"]},
        {"key": "residents", "label": _("常住人口"), "icon": "people", "value": totals["residents"]},
        {"key": "vulnerable", "label": _("重点人群"), "icon": "heart-pulse", "value": totals["vulnerable"], "warn": True},
    ]
    chart = {
        "names": [c.place.name for c in data.children],
        "residents": [c.residents for c in data.children],
        "vulnerable": [c.vulnerable for c in data.children],
        "urls": [reverse("geo:place", args=[c.level, c.place.pk]) for c in data.children],
        "labels": {"residents": str(_("常住人口")), "vulnerable": str(_("重点人群"))},
    }
    tag_total = sum(n for _tag, _label, n in data.by_tag)
    return {
        "overview": data,
        "crumbs": data.crumbs,
        "cards": cards,
        "chart": chart,
        "children_title": LEVEL_PLURALS[data.child_level],
        "root_url": reverse("geo:place", args=[data.level, data.place.pk]) if data.place else reverse("geo:browse"),
        "by_tag": [(tag, label, n, round(100 * n / tag_total) if tag_total else 0) for tag, label, n in data.by_tag],
    }
