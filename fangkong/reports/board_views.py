"""The 三快一严 board's pages: the board (first on the home page of the command, district and street
offices, and a fragment the page polls), the drill-down of a figure, and the late items by owner.
Read-only: every number comes from fangkong.reports.board over the modules' selectors."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BOARD_LEVELS
from fangkong.core.dbrouting import reads_from_replica
from fangkong.geo import selectors as geo

from . import board
from .snapshot.selectors import SNAPSHOT_ROLES, SnapshotView, snapshot_for

log = logging.getLogger(__name__)

# Whose home page opens on the board (the same offices may read its snapshot).
BOARD_ROLES = SNAPSHOT_ROLES
REFRESH_SECONDS = 60
OWNERS_ON_BOARD = 10
LIST_PER_PAGE = 50
LEVEL_LABELS = {"city": _("全市"), "district": _("区县"), "street": _("街道（乡镇）"), "community": _("社区（村）")}


def drill_url(key: str, level: str = "city", place_id: int | None = None, **extra: Any) -> str:
    query = {"figure": key, "level": level}
    if place_id is not None:
        query["place"] = place_id
    query |= {k: v for k, v in extra.items() if v}
    return f"{reverse('reports:board_drill')}?{urlencode(query)}"


def board_snapshot(user: Any, now: Any, pk: str | None = None) -> SnapshotView | None:
    """The snapshot the user's board reads (None: live) — `pk`, the one a board was drawn from, while
    it is kept and fresh, else the newest; when there is none usable, a build is asked of the worker
    (at most once a minute, never inline: a page does not build it)."""
    view = snapshot_for(user, now, pk=int(pk) if pk and pk.isdigit() else None)
    asks = view is None and getattr(user, "role", "") in SNAPSHOT_ROLES and not settings.HUEY.get("immediate")
    if asks and cache.add("reports:board-snapshot-asked", 1, 60):
        from .tasks import board_snapshot_now

        try:
            board_snapshot_now()
        except Exception:  # the queue is down: the board is drawn live all the same
            log.warning("board snapshot not asked of the worker", exc_info=True)
    return view


def board_context(user: Any) -> dict[str, Any]:
    with board.steps_read_once():  # the modules' figures built once for this drawing
        return _board_context(user)


def _board_context(user: Any) -> dict[str, Any]:
    now = timezone.now()
    view = board_snapshot(user, now)
    rows = board.step_rows(user=user, now=now, view=view)
    late = board.late_rows(user=user, now=now, view=view, skip_kept=True)  # the kept ones are read grouped
    level, place = board.viewer_level(user)
    here = {"level": level, "place_id": place.pk if place is not None else None, "at": view.snapshot.pk if view is not None else None}
    for row in rows:
        row.links = [(c, drill_url(c.key, **here) if c.drillable else c.url) for c in row.cells]
    rule = board.escalation_rule()
    return {
        "board_rows": rows,
        "board_trends": board.trends(user=user, now=now, view=view),
        "board_owners": board.late_by_owner(user=user, now=now, rows=late, view=view)[:OWNERS_ON_BOARD],
        "board_escalated": board.escalated_to(user=user, now=now, rows=late, view=view, viewer=(level, place)),
        "board_as_of": view.taken_at if view is not None else None,
        "board_level": LEVEL_LABELS.get(level, ""),
        "board_place": place,
        "escalation_hours": board.escalation_hours(),
        "escalation_rule": rule,
        "board_now": now,
        "board_refresh": REFRESH_SECONDS,
        "late_total": sum(row.late for row in rows),
    }


@login_required
@reads_from_replica
def board_panel(request: HttpRequest) -> HttpResponse:
    """The board alone: the fragment the home page polls, or a page of its own."""
    context = board_context(request.user)
    if request.htmx:
        return render(request, "reports/_board.html", context)
    return render(request, "reports/board.html", context)


def _place(user: Any, level: str, raw: str | None) -> Any | None:
    if level not in BOARD_LEVELS:
        raise Http404
    if level == "city":
        return None
    try:
        pk = int(raw or "")
    except ValueError as exc:
        raise Http404 from exc
    return geo.place_get(user=user, level=level, pk=pk)  # outside the user's places: 404


@login_required
@reads_from_replica
def board_drill(request: HttpRequest) -> HttpResponse:
    """One figure for a place and the places one level down; at a community (or `list=1`), its rows
    with their owners."""
    key = request.GET.get("figure", "")
    found = board.figure_get(key)
    if found is None:
        raise Http404
    step, figure = found
    level = request.GET.get("level", "city")
    place = _place(request.user, level, request.GET.get("place"))
    now = timezone.now()
    place_id = place.pk if place is not None else None
    # The snapshot the board drew from (?at= its id) while it is kept and fresh: every level and the
    # list then read the same rows as the figure clicked.
    view = board_snapshot(request.user, now, request.GET.get("at"))
    src = board.source(figure, key, view)
    at = view.snapshot.pk if src.kept else None
    data = board.drill(figure, user=request.user, now=now, level=level, place=place, src=src)
    listing = data.child_level is None or request.GET.get("list") == "1" or request.GET.get("direct") == "1"
    context: dict[str, Any] = {
        "step": step,
        "figure": figure,
        "key": key,
        "drill": data,
        "crumbs": geo.breadcrumbs(place, level) if place is not None else [],
        "level_label": LEVEL_LABELS[level],
        "child_label": LEVEL_LABELS.get(data.child_level or "", ""),
        "crumb_urls": [(p.name, drill_url(key, lvl, p.pk, at=at)) for lvl, p in (geo.breadcrumbs(place, level) if place else [])],
        "city_url": drill_url(key, at=at),
        "children": [(c, drill_url(key, c.level, c.place_id, at=at)) for c in data.children],
        "direct_url": drill_url(key, level, place_id, direct="1", at=at) if data.direct else "",
        "list_url": drill_url(key, level, place_id, list="1", at=at),
        "listing": listing,
        "now": now,
        "as_of": view.taken_at if src.kept else None,
        "escalation_hours": board.escalation_hours(),
    }
    if listing:
        direct = request.GET.get("direct") == "1"
        total, _items = board.figure_items(
            figure, user=request.user, now=now, level=level, place_id=place_id, direct=direct, limit=0, src=src
        )
        paginator = Paginator(range(total), LIST_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        offset = (page.number - 1) * LIST_PER_PAGE
        _total, items = board.figure_items(
            figure, user=request.user, now=now, level=level, place_id=place_id, direct=direct, offset=offset, limit=LIST_PER_PAGE, src=src
        )
        owners = board.owner_names(items)
        hours = board.escalation_hours()
        context |= {
            "total": total,
            "page_obj": page,
            "direct": direct,
            "items": [
                {
                    "item": i,
                    "owner": owners.get(i.pk, "—"),
                    "hours_late": round((now - i.deadline).total_seconds() / 3600, 1) if i.deadline and i.deadline < now else None,
                    "escalated": board.levels_up(i.deadline, now, hours) > 0,
                }
                for i in items
            ],
        }
    return render(request, "reports/board_drill.html", context)


@login_required
@reads_from_replica
def board_owners(request: HttpRequest) -> HttpResponse:
    """Late items by owner: the units answerable for them, the most and the longest late first."""
    now = timezone.now()
    view = board_snapshot(request.user, now)
    owners = board.late_by_owner(user=request.user, now=now, view=view)
    steps = [s for s, _f in board.steps()]
    rows = [{"owner": o, "by_step": [o.by_step.get(s.key, 0) for s in steps], "level": LEVEL_LABELS.get(o.level, "")} for o in owners]
    paginator = Paginator(rows, LIST_PER_PAGE)
    context = {
        "page_obj": paginator.get_page(request.GET.get("page")),
        "steps": steps,
        "escalation_hours": board.escalation_hours(),
        "escalation_rule": board.escalation_rule(),
    }
    return render(request, "reports/board_owners.html", context)
