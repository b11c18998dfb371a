"""Read-only pages: the command's overview. Never writes domain rows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import selectors

LEVEL_PLURALS = {
    "district": _("各区县"),
    "street": _("各街道（乡镇）"),
    "community": _("各社区（村）"),
    "compound": _("各小区"),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    data = selectors.overview(user=request.user)
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
    context = {
        "overview": data,
        "cards": cards,
        "chart": chart,
        "children_title": LEVEL_PLURALS[data.child_level],
        "root_url": reverse("geo:place", args=[data.level, data.place.pk]) if data.place else reverse("geo:browse"),
        "by_tag": [(tag, label, n, round(100 * n / tag_total) if tag_total else 0) for tag, label, n in data.by_tag],
    }
    return render(request, "reports/home.html", context)
