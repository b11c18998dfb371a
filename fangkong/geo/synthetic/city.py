"""Build a deterministic synthetic Hohhot: streets, communities, grids, compounds, buildings,
units, households and people, written with fangkong.core.bulk in one transaction.

The city is a function of (people, seed, as_of): one seeded random.Random drives every choice in a
fixed order. Work goes community by community, so memory holds one community's layout plus one
chunk of rows, whatever the size of the city.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core import generations
from fangkong.core.bulk import DEFERRED_INDEXES_MIN_ROWS, BulkWriter, deferred_indexes, reserve_ids
from fangkong.core.crypto import Sealer
from fangkong.core.errors import DomainError

from ..choices import CommunityKind, IdType, StreetKind
from ..columns import BULK_COLUMNS
from ..hohhot import DISTRICTS, KNOWN_COMMUNITIES
from ..models import Building, Community, Compound, District, Grid, GridWorker, Household, Person, PersonTag, PersonWelfare, Street, Unit
from ..records import build_person_record
from .coordinates import place_coordinates
from .names import NameMaker, cn_number
from .people import HOUSEHOLD_SIZES, HOUSEHOLD_WEIGHTS, IdAllocator, ResidentMaker
from .welfare import welfare_facts

CHUNK = 20_000  # people per flush
COLUMNS = BULK_COLUMNS
# Children first: the order --replace deletes in (and the reverse is the order rows are written in).
DELETE_ORDER = [PersonWelfare, PersonTag, Person, Household, Unit, Building, GridWorker, Grid, Compound, Community, Street]

URBAN_COMMUNITY_PEOPLE = (2_500, 6_000)
VILLAGE_PEOPLE = (600, 2_000)
GRID_HOUSEHOLDS = (300, 600)


class RegistryNotEmpty(DomainError):
    """The registry already holds people or places below district; pass replace=True to rebuild."""


@dataclass
class CityStats:
    people: int = 0
    households: int = 0
    units: int = 0
    buildings: int = 0
    compounds: int = 0
    grids: int = 0
    grid_workers: int = 0
    communities: int = 0
    streets: int = 0
    tags: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


# ---------------------------------------------------------------- layout of one community


@dataclass
class UnitPlan:
    name: str
    households: list[tuple[str, int]] = field(default_factory=list)  # (number, size)


@dataclass
class BuildingPlan:
    compound: int  # index into CommunityPlan.compounds
    name: str
    units: list[UnitPlan] = field(default_factory=list)
    grid: int = 0  # index into CommunityPlan.grids

    @property
    def household_count(self) -> int:
        return sum(len(u.households) for u in self.units)


@dataclass
class CommunityPlan:
    compounds: list[str] = field(default_factory=list)
    buildings: list[BuildingPlan] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)


class CityPlanner:
    def __init__(self, rng: random.Random, names: NameMaker) -> None:
        self.rng = rng
        self.names = names

    def household_size(self, remaining: int) -> int:
        return min(remaining, self.rng.choices(HOUSEHOLD_SIZES, weights=HOUSEHOLD_WEIGHTS)[0])

    def urban(self, people: int) -> CommunityPlan:
        """Compounds of 3–16 buildings; buildings of 2–4 units, mostly 6 floors × 2–4 rooms."""
        rng, plan, remaining = self.rng, CommunityPlan(), people
        taken: set[str] = set()
        while remaining > 0:
            plan.compounds.append(self.names.compound(taken))
            compound = len(plan.compounds) - 1
            for b in range(1, rng.randint(3, 16) + 1):
                floors = rng.choice((5, 6, 6, 6, 6, 7, 11, 18))
                rooms = rng.randint(2, 4)
                building = BuildingPlan(compound, f"{b}号楼")
                for u in range(1, rng.randint(2, 4) + 1):
                    unit = UnitPlan(f"{u}单元")
                    for floor in range(1, floors + 1):
                        for room in range(1, rooms + 1):
                            if remaining > 0 and rng.random() < 0.92:
                                size = self.household_size(remaining)
                                remaining -= size
                                unit.households.append((f"{floor}{room:02d}", size))
                    if unit.households:
                        building.units.append(unit)
                if building.units:
                    plan.buildings.append(building)
                if remaining <= 0:
                    break
        self._grids(plan)
        return plan

    def village(self, people: int) -> CommunityPlan:
        """村民小组 of 4–10 rows (排) of houses, each row in two stretches (东段/西段)."""
        rng, plan, remaining = self.rng, CommunityPlan(), people
        while remaining > 0:
            plan.compounds.append(f"{cn_number(len(plan.compounds) + 1)}组")
            compound = len(plan.compounds) - 1
            for b in range(1, rng.randint(4, 10) + 1):
                building = BuildingPlan(compound, f"{b}排")
                number = 0
                for stretch in ("东段", "西段"):
                    unit = UnitPlan(stretch)
                    for _ in range(rng.randint(4, 9)):
                        number += 1
                        if remaining > 0 and rng.random() < 0.9:
                            size = self.household_size(remaining)
                            remaining -= size
                            unit.households.append((f"{number}号", size))
                    if unit.households:
                        building.units.append(unit)
                if building.units:
                    plan.buildings.append(building)
                if remaining <= 0:
                    break
        self._grids(plan)
        return plan

    def _grids(self, plan: CommunityPlan) -> None:
        """Consecutive buildings into grids of 300–600 households; a small tail joins the last grid."""
        sizes: list[int] = []
        target = self.rng.randint(*GRID_HOUSEHOLDS)
        for building in plan.buildings:
            if not sizes or sizes[-1] >= target:
                sizes.append(0)
                target = self.rng.randint(*GRID_HOUSEHOLDS)
            sizes[-1] += building.household_count
            building.grid = len(sizes) - 1
        if len(sizes) > 1 and sizes[-1] < GRID_HOUSEHOLDS[0] // 2:
            for building in plan.buildings:
                if building.grid == len(sizes) - 1:
                    building.grid -= 1
            sizes.pop()
        plan.grids = [f"第{cn_number(i + 1)}网格" for i in range(max(len(sizes), 1))]


# ---------------------------------------------------------------- city-level plan


@dataclass
class CommunityTarget:
    street: int
    name: str
    kind: str
    people: int


def split_exactly(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to `weights` that add up to `total` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def street_kind(name: str) -> str:
    if name.endswith("街道"):
        return StreetKind.STREET
    if name.endswith("乡"):
        return StreetKind.TOWNSHIP
    return StreetKind.TOWN


def plan_district(rng: random.Random, names: NameMaker, kind: str, streets: list[str], people: int) -> list[CommunityTarget]:
    """Spread a district's people over its streets' communities (社区 in streets, mostly 村 in towns)."""
    weights, mixes = [], []
    for i, street in enumerate(streets):
        sk = street_kind(street)
        if sk == StreetKind.STREET:
            weights.append(rng.uniform(0.7, 1.3))
            mixes.append(1.0)  # share of 社区
        elif kind != "district" and i == 0:  # the banner's or county's seat town
            weights.append(2.5)
            mixes.append(0.7)
        else:
            weights.append(0.35 if kind == "district" else (0.8 if sk == StreetKind.TOWN else 0.5))
            mixes.append(0.15)
    street_people = split_exactly(people, weights)
    mean = sum(
        (m * sum(URBAN_COMMUNITY_PEOPLE) / 2 + (1 - m) * sum(VILLAGE_PEOPLE) / 2) * w for m, w in zip(mixes, weights, strict=True)
    ) / sum(weights)
    counts = split_exactly(max(1, round(people / mean)), [max(p, 1e-9) for p in street_people])
    for i, street in enumerate(streets):
        short = len(KNOWN_COMMUNITIES.get(street, [])) - counts[i]
        if short > 0:  # the real communities are always there; take the places from the biggest street
            counts[max(range(len(streets)), key=lambda j: counts[j])] -= short
            counts[i] += short
    targets: list[CommunityTarget] = []
    for i, street in enumerate(streets):
        taken: set[str] = set()
        known = list(KNOWN_COMMUNITIES.get(street, []))
        for _ in range(counts[i]):
            if known:
                name = known.pop(0)
                taken.add(name)
                ckind = CommunityKind.COMMUNITY
            elif rng.random() < mixes[i]:
                ckind, name = CommunityKind.COMMUNITY, names.community(taken)
            else:
                ckind, name = CommunityKind.VILLAGE, names.village(taken)
            targets.append(CommunityTarget(i, name, ckind, 0))
    raw = [rng.uniform(*(URBAN_COMMUNITY_PEOPLE if t.kind == CommunityKind.COMMUNITY else VILLAGE_PEOPLE)) for t in targets]
    for target, n in zip(targets, split_exactly(people, raw), strict=True):
        target.people = n
    return [t for t in targets if t.people > 0]


# ---------------------------------------------------------------- writing


class IdPool:
    """Primary keys reserved in blocks, handed out one at a time."""

    def __init__(self, model: type, block: int = 5_000) -> None:
        self.model, self.block = model, block
        self._ids: Iterator[int] = iter(())

    def next(self) -> int:
        try:
            return next(self._ids)
        except StopIteration:
            self._ids = iter(reserve_ids(self.model, self.block))
            return next(self._ids)


class RowSink:
    """Buffers rows per table and writes them, parents first, a chunk at a time."""

    ORDER = list(reversed(DELETE_ORDER))

    def __init__(self) -> None:
        self.writers = {m: BulkWriter(m, COLUMNS[m]) for m in self.ORDER}
        self.rows: dict[type, list[tuple]] = {m: [] for m in self.ORDER}

    def add(self, model: type, row: tuple) -> None:
        self.rows[model].append(row)

    def extend(self, model: type, rows: Iterable[tuple]) -> None:
        self.rows[model].extend(rows)

    def flush(self) -> None:
        for model in self.ORDER:
            if self.rows[model]:
                self.writers[model].write(self.rows[model])
                self.rows[model] = []


def registry_clear() -> None:
    """Delete every person and every place below district (the synthetic city, or any other)."""
    _registry_delete()
    for model in DELETE_ORDER:
        generations.table_written(model)  # after the delete: the cached jurisdictions built on these places


def _registry_delete() -> None:
    tables = ", ".join(f'"{m._meta.db_table}"' for m in DELETE_ORDER)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            try:
                with transaction.atomic():
                    cur.execute(f"TRUNCATE {tables}")
                return
            except Exception:  # noqa: BLE001 - referenced from other tables: fall back to DELETE
                pass
        for model in DELETE_ORDER:
            cur.execute(f'DELETE FROM "{model._meta.db_table}"')


def registry_references() -> list[str]:
    """Tables of other apps with rows that point at people or places (e.g. a testing round's tubes).

    Deleting the registry under them would fail at commit after a long wait (a database constraint)
    or leave them pointing at nobody (an id copied without one); it is refused instead."""
    tables = set()
    for model in DELETE_ORDER:
        for rel in model._meta.get_fields(include_hidden=True):
            if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
                continue
            other, fk = rel.related_model, rel.field
            if other in DELETE_ORDER or not fk.concrete:
                continue
            if other._default_manager.filter(**{f"{fk.name}__isnull": False}).exists():
                tables.add(other._meta.db_table)
    return sorted(tables)


def registry_has_content() -> bool:
    return Person.objects.exists() or Street.objects.exists()


def city_generate(
    *,
    actor: Any,
    people: int,
    seed: int,
    replace: bool = False,
    as_of: dt.date | None = None,
    progress: bool = False,
) -> CityStats:
    """Generate the synthetic city; refuse (RegistryNotEmpty) if the registry has content and not `replace`."""
    if people < 1:
        raise DomainError("人数至少为 1 / people must be at least 1", field="people")
    as_of = as_of or timezone.localdate()
    if as_of > timezone.localdate():
        raise DomainError("as_of 不能晚于今天 / as_of cannot be in the future", field="as_of")
    started = time.monotonic()
    with transaction.atomic():
        if registry_has_content():
            if not replace:
                raise RegistryNotEmpty(
                    "登记库中已有人员或街道以下的区域；如要重建演示城市请加 --replace"
                    " / the registry is not empty: use --replace to rebuild",
                    rule="geo.city_generate.empty_registry",
                )
            referenced = registry_references()
            if referenced:
                raise RegistryNotEmpty(
                    f"其他业务数据引用了登记库中的人员或区域（{', '.join(referenced)}），不能替换；请使用新的数据库"
                    f" / rows of other apps point at the registry ({', '.join(referenced)}): use a fresh database instead",
                    rule="geo.city_generate.referenced",
                )
            registry_clear()
        # The registry is empty here: a large city is a first load, so the place and person tables
        # lose their secondary indexes and foreign keys for the COPY and get them rebuilt before
        # COMMIT (fangkong.core.bulk.deferred_indexes; the tables are locked exclusively meanwhile).
        models = RowSink.ORDER if people >= DEFERRED_INDEXES_MIN_ROWS else ()
        with deferred_indexes(*models):
            stats = _generate(people=people, seed=seed, as_of=as_of, progress=progress)
        place_coordinates(seed=seed)  # for the map: approximate, inside each real district
        stats.seconds = round(time.monotonic() - started, 1)
        audit_record(
            actor=actor,
            event_type=EventType.CITY_GENERATED,
            object_type="geo.person",
            object_repr=f"呼和浩特市（合成）{people} 人",
            after={"seed": seed, "as_of": as_of.isoformat(), **stats.as_dict()},
            count=stats.people,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for model in RowSink.ORDER:
                    cur.execute(f'ANALYZE "{model._meta.db_table}"')
    return stats


def _generate(*, people: int, seed: int, as_of: dt.date, progress: bool) -> CityStats:
    rng = random.Random(seed)
    names = NameMaker(rng)
    planner = CityPlanner(rng, names)
    districts = {d.code: d for d in District.objects.all()}
    missing = [code for code, *_ in DISTRICTS if code not in districts]
    if missing:
        raise DomainError(f"缺少区县 {missing}（请先 migrate）/ districts missing: run migrate first")
    residents = ResidentMaker(rng, names, IdAllocator(as_of, [code for code, *_ in DISTRICTS]), as_of)
    sealer = Sealer()
    now = timezone.now()
    if connection.vendor != "postgresql":
        now = now.replace(tzinfo=None)  # Django stores naive UTC on SQLite
    pools = {m: IdPool(m) for m in (Community, Grid, Compound, Building, Unit, Household)}
    pools[Person] = IdPool(Person, block=CHUNK)
    sink = RowSink()
    stats = CityStats()
    per_district = split_exactly(people, [share for _, _, _, share, _ in DISTRICTS])
    bar = tqdm(total=people, unit="人", unit_scale=True, disable=not progress, desc="make_city")
    pending = 0
    for (code, _name, dkind, _share, street_names), d_people in zip(DISTRICTS, per_district, strict=True):
        district = districts[code].pk
        street_ids = reserve_ids(Street, len(street_names))
        for sid, sname in zip(street_ids, street_names, strict=True):
            sink.add(Street, (sid, now, now, district, sname, street_kind(sname)))
        stats.streets += len(street_names)
        for target in plan_district(rng, names, dkind, street_names, d_people):
            street = street_ids[target.street]
            rural = target.kind == CommunityKind.VILLAGE
            plan = planner.village(target.people) if rural else planner.urban(target.people)
            community = pools[Community].next()
            sink.add(Community, (community, now, now, district, street, target.name, target.kind))
            stats.communities += 1
            grid_ids = [pools[Grid].next() for _ in plan.grids]
            for gid, gname in zip(grid_ids, plan.grids, strict=True):
                sink.add(Grid, (gid, now, now, district, street, community, gname))
                for _ in range(2 if rng.random() < 0.5 else 1):
                    sex = "M" if rng.random() < 0.45 else "F"
                    year = as_of.year - rng.randint(24, 50)
                    worker = names.mongolian(sex) if rng.random() < 0.09 else names.han(names.surname(), sex, year)
                    sink.add(GridWorker, (now, now, gid, worker, residents.mobile()))
                    stats.grid_workers += 1
            stats.grids += len(grid_ids)
            compound_ids = [pools[Compound].next() for _ in plan.compounds]
            for cid, cname in zip(compound_ids, plan.compounds, strict=True):
                sink.add(Compound, (cid, now, now, district, street, community, cname))
            stats.compounds += len(compound_ids)
            for bplan in plan.buildings:
                building, grid, compound = pools[Building].next(), grid_ids[bplan.grid], compound_ids[bplan.compound]
                sink.add(Building, (building, now, now, district, street, community, compound, grid, bplan.name))
                stats.buildings += 1
                for uplan in bplan.units:
                    unit = pools[Unit].next()
                    sink.add(Unit, (unit, now, now, district, street, community, compound, building, grid, uplan.name))
                    stats.units += 1
                    for number, size in uplan.households:
                        household = pools[Household].next()
                        sink.add(Household, (household, now, now, district, street, community, compound, building, unit, grid, number))
                        stats.households += 1
                        for r in residents.household(size, district_code=code, rural=rural):
                            rec = build_person_record(
                                sealer,
                                name=r.name,
                                id_type=IdType.RESIDENT_ID,
                                id_number=r.id_number,
                                sex=r.sex,
                                birth_date=r.birth_date,
                                phone=r.phone,
                                tags=r.tags,
                                recorded_on=as_of,  # the data is as of that day: it bounds the births
                            )
                            person = pools[Person].next()
                            sink.add(
                                Person,
                                (
                                    person, now, now, household, district, street, community, grid, rec.name, rec.id_type,
                                    rec.id_cipher, rec.id_hash, rec.id_masked, rec.id_tail, rec.sex, rec.birth_year,
                                    rec.birth_year_to, rec.birth_cipher, rec.phone_cipher, rec.phone_hash, rec.phone_masked,
                                ),
                            )  # fmt: skip
                            sink.extend(PersonTag, ((person, t) for t in rec.tags))
                            welfare = welfare_facts(rec.tags, district_code=code, id_number=r.id_number)
                            if welfare is not None:
                                sink.add(PersonWelfare, (person, *welfare))
                            stats.tags += len(rec.tags)
                        stats.people += size
                        pending += size
                        if pending >= CHUNK:
                            sink.flush()
                            bar.update(pending)
                            pending = 0
    sink.flush()
    bar.update(pending)
    bar.close()
    return stats
