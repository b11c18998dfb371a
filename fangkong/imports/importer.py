"""The import engine: stream a table of places and people, validate every row, write in bulk.

One pass over the file in chunks of 10,000 rows. For each chunk:
  1. every row is parsed and sealed with fangkong.geo.records.build_person_record (the same rules
     as every other path), checked against earlier rows of the file (same document number), and its
     places are looked up and checked against the importing user's jurisdiction;
  2. the chunk's document hashes are checked against the registry with one id_hash IN (...) query;
  3. missing places are created and households, people and tags are written with
     fangkong.core.bulk (COPY on PostgreSQL, executemany on SQLite) under reserved ids.
The caller runs `Importer.run()`, which wraps the whole file in ONE transaction: a crash or a kill
midway leaves the database as it was.

Initial load (PostgreSQL, geo_person empty, ≥ 50,000 rows by the reader's estimate): the run uses
fangkong.core.bulk.deferred_indexes on people, tags and (if also empty) households — their
secondary indexes and foreign keys are dropped, the rows COPYed, and everything rebuilt before
COMMIT. The tables are locked ACCESS EXCLUSIVE for the whole run, which is acceptable only for the
first load into an empty registry. While the lock is held the registry cannot gain a document
number from anyone else, so the per-chunk registry look-up is skipped (duplicates inside the file
are still found in Python, and the rebuilt unique index is the final guard).

Row errors never stop the run; they go to an ErrorReport naming the row (as Excel numbers it, the
header is row 1), the column (its Chinese header) and the reason.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.bulk import BATCH, DEFERRED_INDEXES_MIN_ROWS, BulkWriter, _copy_text, deferred_indexes, reserve_ids
from fangkong.core.crypto import Sealer
from fangkong.core.scoping import Jurisdiction
from fangkong.geo.choices import CommunityKind, StreetKind
from fangkong.geo.columns import BULK_COLUMNS
from fangkong.geo.models import Building, Community, Compound, District, Grid, Household, Person, PersonTag, PersonWelfare, Street, Unit

from .models import ImportMode
from .outcome import ErrorReport, ImportResult
from .readers import TableReader, map_header
from .sealing import FIELD_COLUMN, PERSON_KEYS, UNKNOWN_ID_TYPE, RowSealer, Sealed, _id_types, can_fork, sealed_chunks

__all__ = ["FIELD_COLUMN", "UNKNOWN_ID_TYPE", "ErrorReport", "Importer", "ImportResult", "Progress", "_id_types"]

CHUNK_ROWS = 10_000
# Files of at least this many rows (the reader's estimate) are sealed in a worker process
# (fangkong.imports.sealing), in parallel with the parent's place look-ups and writes.
PARALLEL_MIN_ROWS = 20_000
SEAL_WORKERS = 1
PLACE_KEYS = ("district", "street", "community", "grid", "compound", "building", "unit", "household")
# Longest name each place level stores (geo.models).
MAX_LENGTH = {"street": 48, "community": 48, "grid": 48, "compound": 64, "building": 32, "unit": 32, "household": 32}

PLACE_MODELS = (Street, Community, Grid, Compound, Building, Unit, Household)
PLACE_COLUMNS: dict[type, list[str]] = {m: BULK_COLUMNS[m] for m in PLACE_MODELS}
PERSON_COLUMNS = BULK_COLUMNS[Person]
TAG_COLUMNS = BULK_COLUMNS[PersonTag]
WELFARE_COLUMNS = BULK_COLUMNS[PersonWelfare]


def street_kind(name: str) -> str:
    return StreetKind.TOWN if name.endswith("镇") else StreetKind.TOWNSHIP if name.endswith("乡") else StreetKind.STREET


def community_kind(name: str) -> str:
    return CommunityKind.GACHA if name.endswith("嘎查") else CommunityKind.VILLAGE if name.endswith("村") else CommunityKind.COMMUNITY


class RowWriter(BulkWriter):
    """fangkong.core.bulk.BulkWriter with a faster COPY encoder for the import's hot path.

    Rows are joined with str() and the whole block is checked once for characters COPY needs
    escaped (a tab count that does not match, a newline, a backslash); only a block that has one
    goes through the per-value escaping of core.bulk. Same output, ~10x less Python per row.
    (Candidate for core.bulk itself.)"""

    def _copy(self, rows: list[Sequence[object]]) -> None:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        tabs_per_row = len(self.columns) - 1
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cur, cur.copy(f'COPY "{self.table}" ({cols}) FROM STDIN') as copy:
            for start in range(0, len(rows), BATCH):
                block = rows[start : start + BATCH]
                # NUL stands in for NULL while checking: it cannot come from a CSV or an xlsx cell.
                # Most rows hold no NULL at all and take the map(str) path, which runs in C.
                text = "\n".join(
                    ["\t".join(["\0" if v is None else str(v) for v in row]) if None in row else "\t".join(map(str, row)) for row in block]
                )
                clean = text.count("\t") == tabs_per_row * len(block) and text.count("\n") == len(block) - 1
                if clean and "\\" not in text and "\r" not in text:
                    text = text.replace("\0", "\\N")
                else:
                    text = "\n".join("\t".join(_copy_text(v) for v in row) for row in block)
                copy.write(text + "\n")


class _StrictRollback(Exception):
    pass


Progress = Callable[[int, int, int], None]


class Importer:
    """One run over one table. Use `run()`; it opens the transaction itself."""

    def __init__(
        self,
        reader: TableReader,
        *,
        mode: str,
        jurisdiction: Jurisdiction,
        errors: ErrorReport,
        actor: Any = None,
        audit_object: Any = None,
        progress: Progress | None = None,
        chunk_rows: int | None = None,
        before_commit: Callable[[ImportResult], None] | None = None,
    ) -> None:
        self.reader = reader
        self.mode = mode
        self.jurisdiction = jurisdiction
        self.errors = errors
        self.actor = actor
        self.audit_object = audit_object
        self.progress = progress
        self.chunk_rows = chunk_rows or CHUNK_ROWS
        # Called inside the run's transaction once the rows are written, before COMMIT (not for a dry
        # run nor a strict run that rolls back): the job records its outcome with its rows, so the
        # two commit together or not at all.
        self.before_commit = before_commit
        self.result = ImportResult(mode=mode)
        self.sealer = Sealer()  # kept for callers; rows are sealed by self.row_sealer
        self.writing = mode != ImportMode.VALIDATE
        self.positions = map_header(reader.header)
        self.seen: dict[int, int] = {}  # document hash (as an int) → first row number in this file
        self._virtual = 0
        self._pools: dict[type, list[int]] = {}
        self._pending: dict[type, list[tuple]] = {m: [] for m in PLACE_MODELS}
        self._new_communities: set[int] = set()
        self._loaded_communities: set[int] = set()
        stamp = timezone.now()
        # The rows' created_at: the birth years kept in clear are decided against its local date.
        self.row_sealer = RowSealer((k for k in PERSON_KEYS if k in self.positions), timezone.localdate(stamp))
        # On PostgreSQL the rows go out as COPY text: render the timestamp once, not twice per row.
        self.stamp: dt.datetime | str = str(stamp) if connection.vendor == "postgresql" else stamp.replace(tzinfo=None)
        self.registry_empty = False  # set by run() when the initial-load fast path holds the tables
        self._load_upper_places()

    # ---- places ---------------------------------------------------------------------------

    def _load_upper_places(self) -> None:
        self.districts: dict[str, int] = {}
        self.district_names: dict[int, str] = {}
        for pk, code, name in District.objects.values_list("pk", "code", "name"):
            self.districts[code] = pk
            self.districts[name] = pk
            self.district_names[pk] = name
        self.streets: dict[tuple[int, str], int] = {(d, n): pk for pk, d, n in Street.objects.values_list("pk", "district_id", "name")}
        self.communities: dict[tuple[int, str], int] = {(s, n): pk for pk, s, n in Community.objects.values_list("pk", "street_id", "name")}
        self.grids: dict[tuple[int, str], int] = {}
        self.compounds: dict[tuple[int, str], int] = {}
        self.buildings: dict[tuple[int, str], tuple[int, int | None]] = {}
        self.units: dict[tuple[int, str], tuple[int, int | None]] = {}
        self.households: dict[str, tuple[int, int | None]] = {}

    def _load_community(self, c_id: int) -> None:
        """The places already under an existing community, loaded the first time a row touches it."""
        self._loaded_communities.add(c_id)
        for pk, name in Grid.objects.filter(community_id=c_id).values_list("pk", "name"):
            self.grids[(c_id, name)] = pk
        for pk, name in Compound.objects.filter(community_id=c_id).values_list("pk", "name"):
            self.compounds[(c_id, name)] = pk
        for pk, cp, name, g in Building.objects.filter(community_id=c_id).values_list("pk", "compound_id", "name", "grid_id"):
            self.buildings[(cp, name)] = (pk, g)
        for pk, b, name, g in Unit.objects.filter(community_id=c_id).values_list("pk", "building_id", "name", "grid_id"):
            self.units[(b, name)] = (pk, g)
        for pk, u, number, g in Household.objects.filter(community_id=c_id).values_list("pk", "unit_id", "number", "grid_id"):
            self.households[f"{u}|{number}"] = (pk, g)

    def _new_id(self, model: type) -> int:
        if not self.writing:
            self._virtual -= 1
            return self._virtual
        pool = self._pools.get(model)
        if not pool:
            pool = reserve_ids(model, CHUNK_ROWS if model in (Household, Person) else 256)
            pool.reverse()
            self._pools[model] = pool
        return pool.pop()

    def _create(self, model: type, level: str, values: tuple) -> int:
        pk = self._new_id(model)
        self._pending[model].append((pk, self.stamp, self.stamp, *values))
        self.result.places_created[level] = self.result.places_created.get(level, 0) + 1
        return pk

    def _household(self, place: tuple) -> tuple[int, int, int, int, int | None]:
        """(household id, district id, street id, community id, grid id), creating what is missing."""
        d, s, c, g, cp, b, u, h = place
        s_id = self.streets.get((d, s))
        if s_id is None:
            s_id = self.streets[(d, s)] = self._create(Street, "street", (d, s, street_kind(s)))
        c_id = self.communities.get((s_id, c))
        if c_id is None:
            c_id = self.communities[(s_id, c)] = self._create(Community, "community", (d, s_id, c, community_kind(c)))
            self._new_communities.add(c_id)
        elif c_id not in self._loaded_communities and c_id not in self._new_communities:
            self._load_community(c_id)
        g_id = None
        if g:
            g_id = self.grids.get((c_id, g))
            if g_id is None:
                g_id = self.grids[(c_id, g)] = self._create(Grid, "grid", (d, s_id, c_id, g))
        cp_id = self.compounds.get((c_id, cp))
        if cp_id is None:
            cp_id = self.compounds[(c_id, cp)] = self._create(Compound, "compound", (d, s_id, c_id, cp))
        building = self.buildings.get((cp_id, b))
        if building is None:
            building = self.buildings[(cp_id, b)] = (self._create(Building, "building", (d, s_id, c_id, cp_id, g_id, b)), g_id)
        unit = self.units.get((building[0], u))
        if unit is None:
            u_grid = g_id or building[1]
            unit = self.units[(building[0], u)] = (
                self._create(Unit, "unit", (d, s_id, c_id, cp_id, building[0], u_grid, u)),
                u_grid,
            )
        key = f"{unit[0]}|{h}"
        household = self.households.get(key)
        if household is None:
            h_grid = g_id or unit[1]
            h_id = self._new_id(Household)
            self._pending[Household].append((h_id, self.stamp, self.stamp, d, s_id, c_id, cp_id, building[0], unit[0], h_grid, h))
            self.result.households_created += 1
            household = self.households[key] = (h_id, h_grid)
        return household[0], d, s_id, c_id, household[1]

    def _check_place(self, raw: tuple[str, ...], row: int) -> tuple[list[tuple[str, str, str]], tuple | None]:
        """Errors for the place columns of one row, and the cleaned place (district as its id)."""
        place = tuple(v.strip() for v in raw)
        errs: list[tuple[str, str, str]] = []
        d_text = place[0]
        d_id = self.districts.get(d_text)
        if not d_text:
            errs.append(("district", "", "不能为空"))
        elif d_id is None:
            errs.append(("district", d_text, "未知区县（应为呼和浩特市的区县名称或 6 位行政区划代码，如 新城区 或 150102）"))
        for key, value in zip(PLACE_KEYS[1:], place[1:], strict=True):
            if not value:
                if key != "grid":
                    errs.append((key, "", "不能为空"))
            elif len(value) > MAX_LENGTH[key]:
                errs.append((key, value, f"超过 {MAX_LENGTH[key]} 个字"))
        if errs:
            return errs, None
        j = self.jurisdiction
        if not j.city:
            s_id = self.streets.get((d_id, place[1]))
            c_id = self.communities.get((s_id, place[2])) if s_id is not None else None
            covered = j.covered
            if not (
                d_id in covered.get("district", ())
                or (s_id is not None and s_id in covered.get("street", ()))
                or (c_id is not None and c_id in covered.get("community", ()))
            ):
                where = f"{self.district_names[d_id]} › {place[1]} › {place[2]}"
                return [("community", place[2], f"不在您的管辖范围内（{where}），您只能导入本辖区的人员")], None
        return errs, (d_id, *place[1:])

    # ---- rows -----------------------------------------------------------------------------

    def _chunks(self) -> Iterator[tuple[list[tuple[int, list[str]]], list[tuple[str, ...]]]]:
        """Each chunk of rows (padded to the header's width + 1) with its person columns."""
        rows = self.reader.rows()
        width = len(self.reader.header) + 1  # missing optional columns read from one blank cell after the header
        person_of = itemgetter(*(self.positions.get(k, width - 1) for k in PERSON_KEYS))
        while chunk := list(islice(rows, self.chunk_rows)):
            for _, row in chunk:
                if len(row) < width:
                    row += [""] * (width - len(row))
            yield chunk, [person_of(row) for _, row in chunk]

    def _seal_workers(self) -> int:
        if self.reader.rows_estimate < PARALLEL_MIN_ROWS or not can_fork():
            return 0
        return SEAL_WORKERS

    def run(self) -> ImportResult:
        """Validate (and, unless dry-running, write) the whole file in one transaction."""
        try:
            with (
                transaction.atomic(),
                self._initial_load(),
                contextlib.closing(sealed_chunks(self._chunks(), self.row_sealer, workers=self._seal_workers())) as chunks,
            ):
                for chunk, sealed in chunks:
                    self._process_chunk(chunk, sealed)
                    if self.progress:
                        self.progress(self.result.rows_total, max(self.reader.rows_estimate, self.result.rows_total), self.errors.count)
                self.result.error_count = self.errors.count
                if self.mode == ImportMode.STRICT and self.errors.count:
                    raise _StrictRollback
                if self.mode != ImportMode.VALIDATE:
                    self.result.committed = True
                    self._audit()
                    if self.before_commit:
                        self.errors.close()  # the report a job row points at is complete before the row commits
                        self.before_commit(self.result)
        except _StrictRollback:
            self.result.rolled_back = True
            self.result.people_created = self.result.households_created = 0
            self.result.places_created = {}
        finally:
            self.errors.close()
        return self.result

    def _initial_load(self) -> contextlib.AbstractContextManager:
        """deferred_indexes for a large first load into an empty registry; otherwise nothing."""
        if not self.writing or connection.vendor != "postgresql" or self.reader.rows_estimate < DEFERRED_INDEXES_MIN_ROWS:
            return contextlib.nullcontext()
        if Person.objects.exists():
            return contextlib.nullcontext()
        models = [Person, PersonTag] if Household.objects.exists() else [Household, Person, PersonTag]
        stack = contextlib.ExitStack()
        stack.enter_context(deferred_indexes(*models))
        # Locked and empty: re-check after the lock, so a concurrent first load cannot slip in between.
        if Person.objects.exists():
            stack.close()
            return contextlib.nullcontext()
        self.registry_empty = True
        return stack

    def _audit(self) -> None:
        counts = self.result.counts()
        audit_record(
            actor=self.actor,
            event_type=EventType.IMPORT_BATCH,
            obj=self.audit_object,
            object_type="" if self.audit_object is not None else "imports.file",
            object_repr=str(self.audit_object) if self.audit_object is not None else self.reader.__class__.__name__,
            after=counts,
            count=self.result.people_created,
        )

    def _process_chunk(self, chunk: list[tuple[int, list[str]]], sealed: list[Sealed]) -> None:
        pad = len(self.reader.header)  # missing optional columns read from one blank cell after the header
        place_of = itemgetter(*(self.positions.get(k, pad) for k in PLACE_KEYS))
        i_id = self.positions.get("id_number", pad)
        seen = self.seen
        add_error = self.errors.add
        result = self.result

        ok: list[tuple[int, Any, tuple]] = []  # (row, record or None for a place-only row, place)
        last_raw: tuple | None = None
        last_place: tuple[list, tuple | None] = ([], None)
        rows_with_errors = 0
        for (row_no, row), item in zip(chunk, sealed, strict=True):
            result.rows_total += 1
            errs: list[tuple[str, str, str]] | None = None
            raw = place_of(row)
            if raw != last_raw:
                last_raw = raw
                last_place = self._check_place(raw, row_no)
            place_errs, place = last_place
            if place_errs:
                errs = list(place_errs)
            record = None
            if type(item) is tuple:
                record = item
                key = int(item[3], 16)  # the document hash
                first = seen.get(key)
                if first is None:
                    seen[key] = row_no
                else:
                    errs = errs or []
                    errs.append(("id_number", row[i_id], f"与本文件第 {first} 行的证件号码重复（不会合并，请核对后只保留一行）"))
            elif item:  # the person columns' errors
                errs = errs + item if errs else item
            if errs:
                if not "".join(row).strip():
                    result.rows_total -= 1  # a blank line is not a row
                    continue
                rows_with_errors += 1
                for col, value, reason in errs:
                    add_error(row_no, col, value, reason)
                continue
            ok.append((row_no, record, place))

        # The registry: one query per chunk for the document hashes that passed.
        hashes = [] if self.registry_empty else [r[3] for _, r, _ in ok if r is not None]
        if hashes:
            existing = set(Person.objects.filter(id_hash__in=hashes).values_list("id_hash", flat=True))
            if existing:
                kept = []
                for item in ok:
                    record = item[1]
                    if record is not None and record[3] in existing:
                        rows_with_errors += 1
                        add_error(item[0], "id_number", record[4], "该证件号码已在系统中登记（不会覆盖或合并）")
                    else:
                        kept.append(item)
                ok = kept
        result.rows_with_errors += rows_with_errors
        result.rows_valid += len(ok)
        if self.mode == ImportMode.STRICT and self.errors.count:
            self.writing = False  # the run will roll back: validate the rest without writing
        self._build_and_write(ok)

    def _build_and_write(self, ok: list[tuple[int, Any, tuple]]) -> None:
        """`ok` holds (row number, sealed record tuple or None for a place-only row, place)."""
        people = [r for _, r, _ in ok if r is not None]
        person_ids = reserve_ids(Person, len(people)) if self.writing and people else []
        person_rows: list[tuple] = []
        tag_rows: list[tuple[int, str]] = []
        welfare_rows: list[tuple] = []
        stamp = self.stamp
        household_of = self._household
        last_place: tuple | None = None
        where: tuple = ()
        i = 0
        for _, record, place in ok:
            if place is not last_place:
                last_place = place
                where = household_of(place)
            if record is None:
                continue
            pid = person_ids[i] if person_ids else 0
            i += 1
            person_rows.append((pid, stamp, stamp, *where, *record[:13]))  # name … phone_masked (sealing.RowSealer)
            for tag in record[13]:
                tag_rows.append((pid, tag))
            if record[14] is not None:
                welfare_rows.append((pid, *record[14]))
        self.result.people_created += len(person_rows)
        if not self.writing:
            for model in PLACE_MODELS:
                self._pending[model].clear()
            return
        for model in PLACE_MODELS:
            pending = self._pending[model]
            if pending:
                RowWriter(model, PLACE_COLUMNS[model]).write(pending)
                pending.clear()
        RowWriter(Person, PERSON_COLUMNS).write(person_rows)
        RowWriter(PersonTag, TAG_COLUMNS).write(tag_rows)
        if welfare_rows:
            RowWriter(PersonWelfare, WELFARE_COLUMNS).write(welfare_rows)
