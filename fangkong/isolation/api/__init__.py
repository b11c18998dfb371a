"""快隔 REST API: isolation sites with their occupancy, rooms and day sheets; episodes, the 日清日结
board and the day's figures; pending handovers and their confirmation; 流调 — a case's contacts
(list, add) and its cluster graph.

`register(router)` adds the endpoints to the one API router (config/api_urls.py)."""

from __future__ import annotations

from typing import Any


def register(router: Any) -> None:
    from .views import EpisodeViewSet, HandoverViewSet, SiteViewSet, TracingCaseViewSet

    router.register("isolation/sites", SiteViewSet, basename="isolation-site")
    router.register("isolation/episodes", EpisodeViewSet, basename="isolation-episode")
    router.register("isolation/handovers", HandoverViewSet, basename="isolation-handover")
    router.register("isolation/cases", TracingCaseViewSet, basename="isolation-case")
