"""The public list of risk areas (no login): every place of every area in force now, with its
district, street, community, compound, building and unit, its level in the active profile's words
and since when. Places only — no person, no case, no reason. Where areas overlap, a place is listed
once, at the stricter level.

Read in SQL, one statement per place level that has places in force, the strictest class annotated
per place — no model instance built. A search (every word in the place's district … unit names, any
case) looks the words up in an index of the whole list (`AddressIndex`) instead of the database.

What is public changes rarely and is read by the whole city at once, so each worker process holds
the current **publication**: the whole list, its index, the level's words in each language and a
bounded set of finished answers (a page as rendered, a feed as encoded), all built once. It is held
under a generation token (fangkong.core.generations, decision 0012) that every area transition
(`RiskAreaTransition`: declaration, approval, rejection, downgrade, lifting — written in the same
transaction as the change) replaces, in the transaction and again after its commit: a request reads
the token (one round trip to the shared cache, no database) and uses what its worker holds only
while the token is the one it was built under. A lifted area therefore leaves the list, every
search, the feed and the notice with the commit that lifts it, in every worker, and a newly approved
one appears with its approval. A publication also ends at the next scheduled change (an approval
effective later) and after CACHE_SECONDS at most (a renamed place, a new profile's words). The whole
list is kept in the shared cache beside its token too, so the other workers load it instead of
asking the database again (one worker reads it after a transition, the others wait for its rows:
core.generations.built_once), and so is every finished answer. The list is read from the primary (the
views are not `reads_from_replica`: the token changes at the commit there). When the shared cache
cannot be reached every request reads the database. Decision 0019, operator guide §9a.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import translation

from fangkong.core import generations
from fangkong.core.clock import now

from .choices import STRICTNESS, AreaStatus, PlaceLevel
from .models import RiskArea, RiskAreaPlace, RiskAreaTransition
from .rules import naming
from .selectors import in_force_at
from .services.common import PLACE_MODELS

CACHE_SECONDS = 300  # a safety net: the token changes with every transition
PER_PAGE = 100
# The finished answers a worker keeps per publication: at most this many, of at most this many bytes
# in all (the whole feed at 20,000 buildings is ~5 MB a language); the least recently used go first.
ANSWERS_KEPT = 2000
ANSWERS_BYTES = 48 * 1024 * 1024
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


def generation_name() -> str:
    """The generation token every area transition replaces (`watch`)."""
    return generations.table_name(RiskAreaTransition)


def watch() -> None:
    """ZoningConfig.ready(): every save of a transition (and a bulk write of them) replaces the token."""
    generations.watch(RiskAreaTransition)


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


class AddressIndex:
    """The rows by the words of their search texts. A search word (split on whitespace, so it never
    holds any) is found inside one word of an address or nowhere: the words holding it are found
    with `str.find` in the distinct words, one string; the rows of the word that has fewest are the
    only candidates, and each is checked for every search word. The answer is what a scan of every
    row would give — the rows whose address holds every word (any case), in their order — at 20,000
    rows in tens of microseconds for an address instead of a millisecond or more."""

    def __init__(self, rows: Sequence[PublicRow]) -> None:
        self.rows = list(rows)
        postings: dict[str, list[int]] = {}
        for i, r in enumerate(self.rows):
            for word in set(r.search_text.split()):
                postings.setdefault(word, []).append(i)
        self.words = list(postings)
        self.postings = [postings[w] for w in self.words]
        self.starts = [0]  # where each word begins in `text`; one more: the end
        for w in self.words:
            self.starts.append(self.starts[-1] + len(w) + 1)
        self.text = "\n".join(self.words)

    def _holding(self, term: str) -> list[int]:
        """The indexes of the words that hold `term`."""
        found, pos = [], self.text.find(term)
        while pos != -1:
            i = bisect_right(self.starts, pos) - 1
            if term in self.words[i]:  # not a hit across two words
                found.append(i)
            pos = self.text.find(term, self.starts[i + 1])
        return found

    def matching(self, terms: Sequence[str]) -> list[PublicRow]:
        folded = [t.casefold() for t in terms if t]  # an empty word is in every address
        if not folded:
            return self.rows
        if any(len(t.split()) != 1 for t in folded):  # a word with whitespace (not from search_terms): every row
            return [r for r in self.rows if all(t in r.search_text for t in folded)]
        fewest: list[list[int]] = []
        for n, term in enumerate(folded):
            lists = [self.postings[w] for w in self._holding(term)]
            if not lists:
                return []
            if n == 0 or sum(map(len, lists)) < sum(map(len, fewest)):
                fewest = lists
        candidates = fewest[0] if len(fewest) == 1 else sorted(set().union(*fewest))
        return [r for r in (self.rows[i] for i in candidates) if all(t in r.search_text for t in folded)]


def matching(rows: Sequence[PublicRow], terms: Sequence[str]) -> list[PublicRow]:
    """The rows whose address holds every term (any case), in their order."""
    return AddressIndex(rows).matching(terms)


def _next_change(at: dt.datetime) -> dt.datetime:
    """The next time the list changes without a transition: an approval effective later, a lifting
    recorded ahead (CACHE_SECONDS at most)."""
    later = RiskArea.objects.filter(status__in=(AreaStatus.IN_FORCE, AreaStatus.LIFTED)).aggregate(
        start=Min("in_force_at", filter=Q(in_force_at__gt=at)), end=Min("lifted_at", filter=Q(lifted_at__gt=at))
    )
    return min([t for t in later.values() if t is not None] + [at + dt.timedelta(seconds=CACHE_SECONDS)])


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


def _level_words() -> dict[str, dict[str, str]]:
    """Each level's name in the active profile's words, in each language of the site."""
    out = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            named = naming()
            out[code] = {c: named.label(c) for c in STRICTNESS}
    return out


class Answer(NamedTuple):
    body: bytes
    etag: str = ""


class Publication:
    """What is public, as one worker holds it between two transitions (the module's docstring)."""

    def __init__(self, token: str | None, at: dt.datetime, until: dt.datetime, rows: list[PublicRow], words: dict[str, dict[str, str]]):
        self.token, self.at, self.until, self.words = token, at, until, words
        self.index = AddressIndex(rows)
        self._answers: OrderedDict[tuple[str, ...], Answer] = OrderedDict()
        self._answer_bytes = 0
        self._lock = threading.Lock()

    @property
    def rows(self) -> list[PublicRow]:
        return self.index.rows

    def current(self, token: str | None, at: dt.datetime) -> bool:
        return token is not None and token == self.token and self.at <= at < self.until

    def labelled(self, rows: list[PublicRow], language: str) -> list[PublicRow]:
        words = self.words.get(language)
        if words is None:  # a language the site does not list: the words as the active translation says them
            return labelled(rows)
        return [dataclasses.replace(r, level_label=words.get(r.area_class) or r.area_class) for r in rows]

    def _shared_key(self, key: tuple[str, ...]) -> str:
        digest = hashlib.sha256("\x00".join(key).encode()).hexdigest()[:32]
        return f"zoning:public:answer:{_shape()}:{self.token}:{self.at.timestamp()}:{digest}"

    def answer(self, key: tuple[str, ...], build: Callable[[Publication], Answer]) -> Answer:
        """The answer kept under `key` by this worker, else by another worker in the shared cache
        (under this publication's token and build time), else `build(self)`, kept in both (the least
        recently used first out here)."""
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                return found
        made = cache.get(self._shared_key(key)) if self.token is not None else None
        if not isinstance(made, Answer):
            made = build(self)
            left = (self.until - now()).total_seconds()
            if self.token is not None and left >= 1:
                cache.set(self._shared_key(key), made, min(CACHE_SECONDS, int(left)))
        if len(made.body) <= ANSWERS_BYTES // 4:
            with self._lock:
                if key not in self._answers:
                    self._answers[key] = made
                    self._answer_bytes += len(made.body)
                while len(self._answers) > ANSWERS_KEPT or self._answer_bytes > ANSWERS_BYTES:
                    _key, gone = self._answers.popitem(last=False)
                    self._answer_bytes -= len(gone.body)
        return made


_held: Publication | None = None  # this worker's


@functools.cache
def _shape() -> str:
    """The kept rows' and answers' fields, in the shared cache's keys: after a deploy that changes
    them, what the previous code pickled is not read (it would unpickle into the wrong fields)."""
    layout = "slots" if "__slots__" in vars(PublicRow) else "dict"  # pickled as a tuple or as a dict
    names = [layout, *(f.name for f in dataclasses.fields(PublicRow)), "|", *Answer._fields]
    return hashlib.sha256(",".join(names).encode()).hexdigest()[:8]


def _rows_key(token: str) -> str:
    return f"zoning:public:rows:{_shape()}:{token}"


def publication() -> Publication:
    """The publication of now: this worker's while its token is current (one round trip to the shared
    cache), else the whole list from the shared cache or the database."""
    global _held
    at = now()
    token = public_version() or None
    held = _held
    if held is not None and held.current(token, at):
        return held

    def read() -> tuple:
        return at, _next_change(at), _build(at), _level_words()

    def usable(kept: Any) -> bool:
        return isinstance(kept, tuple) and len(kept) == 4 and kept[0] <= at < kept[1]

    if token is None:
        built, until, rows, words = read()
    else:  # one worker reads the database after a transition, the others wait for its rows; kept
        # beside the token read *before* the database (decision 0012)
        built, until, rows, words = generations.built_once(_rows_key(token), read, seconds=CACHE_SECONDS, usable=usable)
    fresh = Publication(token, built, until, rows, words)
    if token is not None:
        _held = fresh
    return fresh


def public_version() -> str:
    """Changes with every area transition: the token the publications are held under ("" when the
    shared cache cannot be reached)."""
    found = generations.tokens([generation_name()])
    return found[0][generation_name()] if found is not None else ""


def labelled(rows: list[PublicRow]) -> list[PublicRow]:
    named = naming()
    labels = {c: named.label(c) for c in {r.area_class for r in rows}}
    return [dataclasses.replace(r, level_label=labels[r.area_class]) for r in rows]


def normalised(q: str) -> str:
    """A search as the list answers it: its words, one space apart."""
    return " ".join(search_terms(q))


@dataclass(frozen=True)
class PublicPage:
    rows: list[PublicRow]  # labelled
    number: int
    pages: int
    count: int
    at: dt.datetime


def public_page(*, q: str = "", page: Any = 1, language: str = "", held: Publication | None = None) -> PublicPage:
    """One page (PER_PAGE rows) of the list or of a search, labelled in `language`."""
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    pub = held or publication()
    rows = pub.index.matching(search_terms(q))
    pages = max(1, -(-len(rows) // PER_PAGE))
    n = min(number, pages)
    return PublicPage(pub.labelled(rows[(n - 1) * PER_PAGE : n * PER_PAGE], language), n, pages, len(rows), now())


def public_answer(key: tuple[str, ...], build: Callable[[Publication], Answer]) -> Answer:
    """A finished answer (a rendered page) kept by this worker's publication under `key`, which must
    name everything the answer depends on besides the publication."""
    return publication().answer(key, build)


def public_feed_json(*, q: str = "", language: str = "") -> tuple[bytes, str]:
    """The feed (every row of the list or of a search) as UTF-8 JSON and its ETag (a digest of the
    body), kept per search and language."""

    def build(pub: Publication) -> Answer:
        rows = pub.labelled(pub.index.matching(search_terms(q)), language)
        body = {"generated_at": now().isoformat(), "count": len(rows), "areas": [r.as_json() for r in rows]}
        data = json.dumps(body, ensure_ascii=False).encode()
        return Answer(data, f'"{hashlib.sha1(data).hexdigest()[:20]}"')

    made = public_answer(("feed", language, normalised(q)), build)
    return made.body, made.etag


def public_areas(*, q: str = "", at: dt.datetime | None = None) -> list[PublicRow]:
    """The places under a risk level now (or at `at`, not cached), searchable by any part of their
    address (every word must match), labelled."""
    if at is not None:
        return labelled(matching(_build(at), search_terms(q)))
    return labelled(publication().index.matching(search_terms(q)))
