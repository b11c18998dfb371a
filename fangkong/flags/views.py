"""The flags page (系统预警): the user's flags with filters by rule, kind, state and place, each with
its items and 依据 folded. Reads only; the evaluation is the worker's. A flag names no person, so the
grant alone opens it (like the risk-area list): a user sees the flags of their places, nothing else."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.core.pagination import paginate

from . import selectors
from .choices import FlagKind, FlagRuleCode, FlagState
from .models import Flag

PLACE_PREFIXES = ("district", "street", "community")


def _place_param(raw: str) -> dict[str, int]:
    """ "community:12" → {"community": 12} (anything else: no place filter)."""
    level, _sep, pk = (raw or "").partition(":")
    return {level: int(pk)} if level in PLACE_PREFIXES and pk.isdigit() else {}


def _place_choices(user) -> list[tuple[str, str]]:
    """The units the user's flags lie in, for the place filter (their own places only)."""
    rows = Flag.objects.visible_to(user).order_by().values_list("district_id", "street_id", "community_id", "place_name").distinct()
    out = {}
    for d, s, c, name in rows:
        key = f"community:{c}" if c else f"street:{s}" if s else f"district:{d}"
        out[key] = name or key
    return sorted(out.items(), key=lambda kv: kv[1])


@login_required
def flag_list(request: HttpRequest) -> HttpResponse:
    rule = request.GET.get("rule", "")
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    place = request.GET.get("place", "")
    flags = selectors.flag_list(user=request.user, rule=rule, kind=kind, state=state, **_place_param(place))
    page = paginate(request, flags)
    context = {
        "page_obj": page,
        "flags": page.object_list,
        "rule": rule,
        "kind": kind,
        "state": state,
        "place": place,
        "rules": FlagRuleCode.choices,
        "kinds": FlagKind.choices,
        "states": FlagState.choices,
        "places": _place_choices(request.user),
    }
    return render(request, "flags/flag_list.html", context)
