"""The module registry: what each app plugs into the platform — its capabilities (with the roles
that hold them by default), audit event types, navigation entries, landing panels (the day's work a
role finds on the home page), its row of the 三快一严 board (fangkong.core.board), the facilities its
users are granted, page URLs and API routes.

Each app declares one `Module` in its own `registry.py` and adds it from its AppConfig.ready();
nothing central is edited to add a module (no migration for a new audit event type either: the
event type column stores the value, the label comes from here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Capability:
    """What a role may do. `roles` hold it by default; `personal` marks a capability that opens
    personal details (need-to-know: a grant says where, a capability says what)."""

    name: str
    label: Any
    refusal: Any
    roles: frozenset[str] = frozenset()
    personal: bool = False


@dataclass(frozen=True)
class NavEntry:
    """A top-level menu entry. Shown when the user holds `capability` (None: everyone signed in) and
    every one of `need_to_know` (the capabilities of the personal details its page shows: the menu
    offers no page the role cannot open). An entry naming an audience (`any_of` capabilities, or
    `places`: users granted places, not only facilities) is shown to that audience alone: the
    laboratory sees no isolation pages, a hospital no registry of places. `first_for` lists the
    roles whose menu starts with it (by `order` among them)."""

    url_name: str
    label: Any
    icon: str
    capability: str | None = None
    order: int = 100
    first_for: frozenset[str] = frozenset()
    need_to_know: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    places: bool = False

    def shown_to(self, caps: frozenset[str], *, has_places: bool = True) -> bool:
        if self.capability is not None and self.capability not in caps:
            return False
        if not all(c in caps for c in self.need_to_know):
            return False
        if not self.any_of and not self.places:
            return True
        return (self.places and has_places) or any(c in caps for c in self.any_of)


@dataclass(frozen=True)
class LandingRow:
    """One line of a landing panel: what to do, where (the page that does it), and a short flag."""

    text: str
    url: str = ""
    detail: str = ""
    flag: str = ""  # a warning beside the row ("超时", "补采"), shown as a badge


@dataclass(frozen=True)
class LandingPanel:
    """A card of the home page: a title, how many there are, the first rows (up to PANEL_ROWS), the
    page with the whole list, and what to say in plain words when there is nothing to do."""

    key: str
    title: str
    icon: str
    count: int
    rows: Sequence[LandingRow]
    empty: str
    url: str = ""
    url_label: str = ""
    unit: str = ""  # what `count` and the rows count, with its measure word ("个网格", "户"); "条" when blank


PANEL_ROWS = 10


@dataclass(frozen=True)
class LandingEntry:
    """Panels a module offers on the home page to `roles`, given the user holds every one of
    `need_to_know` (the capabilities of what the rows show). `build` is the dotted path of a function
    (user, now) -> list[LandingPanel], imported when the page is drawn (registry.py stays light)."""

    key: str
    roles: frozenset[str]
    build: str
    order: int = 100
    need_to_know: tuple[str, ...] = ()

    def shown_to(self, role: str, caps: frozenset[str]) -> bool:
        return role in self.roles and all(c in caps for c in self.need_to_know)


@dataclass(frozen=True)
class GrantFacility:
    """A kind of facility users may be granted (`Grant(level="facility", facility_kind=kind)`): its
    model ("app_label.Model") and the place fields it lies in ("district", "street", "community"),
    so that an account manager of a district may grant the facilities inside it; a kind without
    place fields (a laboratory serves the whole city) is granted by city-wide managers only."""

    kind: str
    label: Any
    model: str
    place_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Module:
    app: str
    capabilities: Sequence[Capability] = ()
    events: type[models.TextChoices] | None = None
    nav: Sequence[NavEntry] = ()
    landing: Sequence[LandingEntry] = ()
    # Facility grants this module's users hold ("facility:laboratory") → the model naming them ("testing.Laboratory").
    facilities: Mapping[str, str] = field(default_factory=dict)
    url_prefix: str | None = None  # pages: include("fangkong.<app>.urls") at this prefix ("" for the root)
    urlconf: str | None = None
    api: Callable[[Any], None] | None = None  # registers the app's viewsets on the shared router
    grant_facilities: Sequence[GrantFacility] = ()
    board: Sequence[Any] = ()  # fangkong.core.board.BoardStep: its row of the 三快一严 board
    # Tables the database derives from others ("app_label.Model", e.g. kept by triggers): a logical
    # copy never carries them — `dumpdata` leaves them out and `loaddata` skips them (the triggers write
    # them again as the rows they derive from are loaded).
    derived: Sequence[str] = ()


@dataclass
class Registry:
    modules: dict[str, Module] = field(default_factory=dict)

    def add(self, module: Module) -> None:
        self.modules[module.app] = module
        self._clear()

    def _clear(self) -> None:
        self.__dict__.pop("_caps", None)
        self.__dict__.pop("_events", None)

    # ---- capabilities ----

    @property
    def capabilities(self) -> dict[str, Capability]:
        caps = self.__dict__.get("_caps")
        if caps is None:
            caps = {c.name: c for m in self.modules.values() for c in m.capabilities}
            self.__dict__["_caps"] = caps
        return caps

    def capability(self, name: str) -> Capability:
        return self.capabilities[name]

    def role_capabilities(self, role: str) -> frozenset[str]:
        return frozenset(name for name, c in self.capabilities.items() if role in c.roles)

    # ---- audit event types ----

    @property
    def event_types(self) -> dict[str, Any]:
        events = self.__dict__.get("_events")
        if events is None:
            events = {value: label for m in self.modules.values() if m.events for value, label in m.events.choices}
            self.__dict__["_events"] = events
        return events

    def event_label(self, value: str) -> str:
        return str(self.event_types.get(value, value))

    # ---- navigation and URLs ----

    def nav(self) -> list[NavEntry]:
        return sorted((e for m in self.modules.values() for e in m.nav), key=lambda e: e.order)

    def landing(self, role: str, caps: frozenset[str]) -> list[LandingEntry]:
        entries = (e for m in self.modules.values() for e in m.landing if e.shown_to(role, caps))
        return sorted(entries, key=lambda e: e.order)

    def board_steps(self) -> list[Any]:
        """The rows of the 三快一严 board (fangkong.core.board.BoardStep), in the modules' order."""
        return sorted((s for m in self.modules.values() for s in m.board), key=lambda s: s.order)

    def facility_models(self) -> dict[str, str]:
        return {kind: model for m in self.modules.values() for kind, model in m.facilities.items()}

    def page_mounts(self) -> Iterable[tuple[str, str]]:
        for m in self.modules.values():
            if m.urlconf is not None and m.url_prefix is not None:
                yield m.url_prefix, m.urlconf

    # ---- facilities users are granted ----

    def grant_facilities(self) -> dict[str, GrantFacility]:
        return {f.kind: f for m in self.modules.values() for f in m.grant_facilities}

    def api_registrars(self) -> list[Callable[[Any], None]]:
        return [m.api for m in self.modules.values() if m.api is not None]

    def derived_models(self) -> list[str]:
        """The "app_label.Model" of every module's derived tables (Module.derived)."""
        return [name for m in self.modules.values() for name in m.derived]


registry = Registry()
