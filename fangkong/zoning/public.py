"""The public list of risk areas (no login): every place of every area in force now, with its
district, street, community, compound, building and unit, its level in the active profile's words
and since when. Places only — no person, no case, no reason. Where areas overlap, a place is listed
once, at the stricter level.

Read in SQL, one statement per place level that has places in force, the strictest class annotated
per place — no model instance built. A search (every word in the place's district … unit names, any
case) filters that whole list in memory. What is public changes rarely, so the whole list is kept in
Django's cache (Redis in production) and in each worker, and each page and feed in the cache, under
the public version: the id of the latest area transition
(`RiskAreaTransition`), written in the same transaction as every declaration, approval, rejection,
downgrade and lifting — a lifted area leaves the list with the commit that lifts it, a newly
approved one appears with its approval. An entry is also dropped at the next scheduled change (an
approval effective later) and after CACHE_SECONDS at most.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Max, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from fangkong.core.clock import now

from .choices import STRICTNESS, AreaStatus, PlaceLevel
from .models import RiskArea, RiskAreaPlace, RiskAreaTransition
from .rules import naming
from .selectors import in_force_at
from .services.common import PLACE_MODELS

CACHE_SECONDS = 300  # a safety net: the version changes with every transition
PER_PAGE = 100
_PARTS = ("district", "street", "community", "compound", "building", "unit")
_RELATED = {
    PlaceLevel.UNIT: ("district", "street", "community", "compound", "building"),
    PlaceLevel.BUILDING: ("district", "street", "community", "compound"),
    PlaceLevel.COMPOUND: ("district", "street", "community"),
    PlaceLevel.GRID: ("district", "street", "community"),
    PlaceLevel.COMMUNITY: ("district", "street"),
    PlaceLevel.STREET: ("district",),
    PlaceLevel.DISTRICT: (),
}


@dataclass(frozen=True)
class PublicRow:
    level: str
    area_class: str
    since: dt.datetime
    district: str
    street: str = ""
    community: str = ""
    compound: str = ""
    building: str = ""
    unit: str = ""
    level_label: str = ""  # in the active profile's words and the reader's language (labelled())
    # Every name of the place and its ancestors (a grid's own name too), casefolded: what a search
    # matches (not shown, not in the feed).
    search_text: str = dataclasses.field(default="", repr=False, compare=False)

    @property
    def address(self) -> str:
        return " ".join(p for p in (self.district, self.street, self.community, self.compound, self.building, self.unit) if p)

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.area_class,
            "level_label": self.level_label,
            "since": self.since.isoformat(),
            "district": self.district,
            "street": self.street,
            "community": self.community,
            "compound": self.compound,
            "building": self.building,
            "unit": self.unit,
            "place_level": self.level,
        }


def search_terms(q: str) -> list[str]:
    return [t for t in (q or "").replace("，", " ").split() if t]


def public_version() -> str:
    """Changes with every area transition (committed with it): one look-up of the primary key's
    index, the only query of a request answered from the cache."""
    return str(RiskAreaTransition.objects.aggregate(v=Max("pk"))["v"] or 0)


def _next_change(at: dt.datetime) -> dt.datetime:
    """The next time the list changes without a transition: an approval effective later, a lifting
    recorded ahead."""
    later = RiskArea.objects.filter(status__in=(AreaStatus.IN_FORCE, AreaStatus.LIFTED)).aggregate(
        start=Min("in_force_at", filter=Q(in_force_at__gt=at)), end=Min("lifted_at", filter=Q(lifted_at__gt=at))
    )
    return min([t for t in later.values() if t is not None], default=at + dt.timedelta(seconds=CACHE_SECONDS))


def _strictest(level: str, at: dt.datetime) -> Any:
    """The in-force rows of one place (OuterRef pk), the strictest class first, then the oldest."""
    rank = Case(*(When(area__area_class=c, then=Value(i)) for c, i in STRICTNESS.items()), default=Value(9))
    return (
        RiskAreaPlace.objects.filter(in_force_at(at, via="area__"), level=level, place_id=OuterRef("pk"))
        .annotate(rank=rank, since=Coalesce("area__level_since", "area__in_force_at"))
        .order_by("rank", "since")
    )


def _level_rows(level: str, at: dt.datetime) -> list[PublicRow]:
    related = _RELATED.get(level, ())
    held = RiskAreaPlace.objects.filter(in_force_at(at, via="area__"), level=level).values("place_id")
    qs = PLACE_MODELS[level].objects.filter(pk__in=held)
    best = _strictest(level, at)
    qs = qs.annotate(public_class=Subquery(best.values("area__area_class")[:1]), public_since=Subquery(best.values("since")[:1]))
    names = [f"{r}__name" for r in related]
    out = []
    for area_class, since, own, *above in qs.values_list("public_class", "public_since", "name", *names):
        parts_named = dict(zip(related, above, strict=True)) | {level: own}
        text = " ".join(n for n in [*above, own] if n).casefold()
        out.append(
            PublicRow(level=level, area_class=area_class, since=since, search_text=text, **{p: parts_named.get(p) or "" for p in _PARTS})
        )
    return out


def _build(at: dt.datetime) -> list[PublicRow]:
    """Every place under a risk level at `at`, in address order (one statement per place level)."""
    levels = set(RiskAreaPlace.objects.filter(in_force_at(at, via="area__")).values_list("level", flat=True).distinct())
    rows = [r for level in levels if level in PLACE_MODELS for r in _level_rows(level, at)]
    rows.sort(key=lambda r: (r.district, r.street, r.community, r.compound, r.building, r.unit))
    return rows


def matching(rows: list[PublicRow], terms: list[str]) -> list[PublicRow]:
    """The rows whose address holds every term (any case), in their order."""
    folded = [t.casefold() for t in terms]
    if not folded:
        return rows
    return [r for r in rows if all(t in r.search_text for t in folded)]


# The whole list, held by each worker process under its cache key (the public version and the next
# scheduled change) and a token kept beside it in the shared cache (a flushed cache drops every
# worker's copy): a search filters it in memory instead of asking the database again — at 20,000
# buildings in force a search read the database for ~0.1–1 s; the filter takes milliseconds.
_whole: dict[str, tuple[dt.datetime, dt.datetime, list[PublicRow], str]] = {}


def whole_list() -> list[PublicRow]:
    key = cache_key("rows", "")
    at = now()
    token = cache.get(f"{key}:token")
    held = _whole.get(key)
    if held is not None and token is not None and held[3] == token and held[0] <= at < held[1]:
        return held[2]
    rows = cached(key, _build)
    if token is None:
        token = secrets.token_hex(8)
        cache.set(f"{key}:token", token, CACHE_SECONDS)
    _whole.clear()
    _whole[key] = (at, _next_change(at), rows, token)
    return rows


def labelled(rows: list[PublicRow]) -> list[PublicRow]:
    named = naming()
    labels = {c: named.label(c) for c in {r.area_class for r in rows}}
    return [dataclasses.replace(r, level_label=labels[r.area_class]) for r in rows]


def cache_key(kind: str, q: str, *extra: str) -> str:
    digest = hashlib.sha1(" ".join(search_terms(q)).encode()).hexdigest()[:16]
    return ":".join(("zoning:public", kind, public_version(), digest, *extra))


def cached(key: str, build: Any) -> Any:
    """`build(at)` kept under `key` until the next scheduled change (the version in the key covers
    the transitions)."""
    at = now()
    hit = cache.get(key)
    if hit is not None and hit[0] <= at < hit[1]:
        return hit[2]
    value = build(at)
    cache.set(key, (at, _next_change(at), value), CACHE_SECONDS)
    return value


def _rows(q: str) -> list[PublicRow]:
    return matching(whole_list(), search_terms(q))


@dataclass(frozen=True)
class PublicPage:
    rows: list[PublicRow]  # labelled
    number: int
    pages: int
    count: int
    at: dt.datetime


def public_page(*, q: str = "", page: Any = 1, language: str = "") -> PublicPage:
    """One page (PER_PAGE rows) of the list or of a search, labelled, kept per page and language
    (a new policy profile's words show within CACHE_SECONDS)."""
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1

    def build(at: dt.datetime) -> tuple[list[PublicRow], int, int, int]:
        rows = _rows(q)
        pages = max(1, -(-len(rows) // PER_PAGE))
        n = min(number, pages)
        return labelled(rows[(n - 1) * PER_PAGE : n * PER_PAGE]), n, pages, len(rows)

    rows, n, pages, count = cached(cache_key("page", q, str(number), language), build)
    return PublicPage(rows, n, pages, count, now())


def public_feed_json(*, q: str = "", language: str = "") -> tuple[bytes, str]:
    """The feed (every row of the list or of a search) as UTF-8 JSON and its ETag (a digest of the
    body), kept per search and language."""

    def build(at: dt.datetime) -> tuple[bytes, str]:
        rows = labelled(_rows(q))
        body = {"generated_at": at.isoformat(), "count": len(rows), "areas": [r.as_json() for r in rows]}
        data = json.dumps(body, ensure_ascii=False).encode()
        return data, f'"{hashlib.sha1(data).hexdigest()[:20]}"'

    return cached(cache_key("feed", q, language), build)


def public_areas(*, q: str = "", at: dt.datetime | None = None) -> list[PublicRow]:
    """The places under a risk level now (or at `at`, not cached), searchable by any part of their
    address (every word must match), labelled."""
    if at is not None:
        return labelled(matching(_build(at), search_terms(q)))
    return labelled(_rows(q))
