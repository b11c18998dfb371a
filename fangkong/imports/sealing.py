"""The importer's per-row validation and sealing, optionally in a forked worker process.

`RowSealer` turns the person columns of a chunk of rows into, for each row, one of
  - None: no name and no document number (a place-only or blank row);
  - a tuple: the sealed record, in fangkong.imports.importer.PERSON_COLUMNS order from "name" to
    "phone_masked", followed by its tags;
  - a list of (column key, value, reason): the row's errors in the person columns.
It applies fangkong.geo.records.build_person_record, the same rules as every other path.

`sealed_chunks` runs it chunk by chunk, either inline or, for large loads, in one worker process
(multiprocessing, fork start method: the child inherits the configured Django settings and the
data key). The worker seals chunk N+1 while the parent resolves places and writes chunk N; it
never touches the database connection it inherited. It is killed with its parent (Linux
PR_SET_PDEATHSIG), so a SIGKILLed import leaves no orphan that keeps the connection's socket open.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from django.utils import translation

from fangkong.core.crypto import Sealer
from fangkong.geo.choices import IdType
from fangkong.geo.records import WELFARE_KEYS, FieldError, build_person_record, parse_date, parse_sex, parse_tags, parse_welfare

# The person columns each row sends to the sealer, in this order.
PERSON_KEYS = ("name", "id_number", "id_type", "sex", "birth_date", "phone", "tags", *WELFARE_KEYS)
FIELD_COLUMN = {
    "name": "name",
    "id_number": "id_number",
    "sex": "sex",
    "birth_date": "birth_date",
    "phone": "phone",
    "tags": "tags",
    **{k: k for k in WELFARE_KEYS},
}
UNKNOWN_ID_TYPE = "未知证件类型（可填 居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证）"
LOOKAHEAD = 2  # chunks handed to the worker ahead of the one the parent is writing
PR_SET_PDEATHSIG = 1

C = TypeVar("C")
Sealed = None | tuple | list[tuple[str, str, str]]


def _id_types() -> dict[str, str]:
    with translation.override(None):  # the Chinese msgids, whatever language is active
        mapping = {str(label): value for value, label in IdType.choices}
    for value, _label in IdType.choices:
        mapping[value] = value
    mapping.update({"身份证": IdType.RESIDENT_ID, "二代身份证": IdType.RESIDENT_ID, "港澳通行证": IdType.HK_MACAU_PASS})
    mapping.update({"台胞证": IdType.TAIWAN_PASS, "台湾通行证": IdType.TAIWAN_PASS})
    return mapping


class RowSealer:
    """Validate and seal the person columns of rows (tuples in PERSON_KEYS order)."""

    def __init__(self, present: Iterable[str], recorded_on: dt.date) -> None:
        self.present = frozenset(present)  # the person columns the file has (others read as blank)
        self.recorded_on = recorded_on  # the import's (local) date: the birth years kept in clear depend on it
        self.sealer = Sealer()
        self.id_types = _id_types()

    def __call__(self, rows: list[tuple[str, ...]]) -> list[Sealed]:
        sealer = self.sealer
        id_types = self.id_types
        present = self.present
        recorded_on = self.recorded_on
        index = {k: i for i, k in enumerate(PERSON_KEYS)}
        resident = IdType.RESIDENT_ID
        out: list[Sealed] = []
        append = out.append
        for row in rows:
            name, number, type_text, sex_text, birth_text, phone, tags_text, *welfare_text = row
            if not (name.strip() or number.strip()):
                append(None)
                continue
            errs: list[tuple[str, str, str]] | None = None
            type_key = type_text.strip()
            id_type = id_types.get(type_key) if type_key else resident
            if id_type is None:
                errs = [("id_type", type_key, UNKNOWN_ID_TYPE)]
            try:
                sex = parse_sex(sex_text) if sex_text else None
                birth = parse_date(birth_text) if birth_text else None
                tags = parse_tags(tags_text) if tags_text else ()
                welfare = parse_welfare(*welfare_text) if any(welfare_text) else None
                if id_type is not None:
                    r = build_person_record(
                        sealer,
                        name=name,
                        id_type=id_type,
                        id_number=number,
                        sex=sex,
                        birth_date=birth,
                        phone=phone,
                        tags=tags,
                        recorded_on=recorded_on,
                    )
                    append(
                        (
                            r.name,
                            str(r.id_type),  # plain str: the same value in the database, cheaper to pickle than the enum
                            r.id_cipher,
                            r.id_hash,
                            r.id_masked,
                            r.id_tail,
                            str(r.sex),
                            r.birth_year,
                            r.birth_year_to,
                            r.birth_cipher,
                            r.phone_cipher,
                            r.phone_hash,
                            r.phone_masked,
                            r.tags,
                            welfare,
                        )
                    )
                    continue
            except FieldError as exc:
                errs = errs or []
                col = FIELD_COLUMN.get(exc.field, exc.field)
                value = row[index[col]] if col in present else ""
                errs.append((col, value, exc.message))
            append(errs)
        return out


# ---- the worker -----------------------------------------------------------------------------

_worker_sealer: RowSealer | None = None


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _init_worker(parent: int, present: frozenset[str], recorded_on: dt.date) -> None:
    global _worker_sealer
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which terminates the pool
    _worker_sealer = RowSealer(present, recorded_on)


def _seal_in_worker(rows: list[tuple[str, ...]]) -> list[Sealed]:
    assert _worker_sealer is not None
    return _worker_sealer(rows)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def sealed_chunks(
    items: Iterator[tuple[C, list[tuple[str, ...]]]], sealer: RowSealer, *, workers: int = 0
) -> Iterator[tuple[C, list[Sealed]]]:
    """(chunk, its person columns) → (chunk, sealed), in order; in `workers` forked processes if > 0.

    A generator: close it (contextlib.closing) so the pool is terminated however the caller stops."""
    if workers <= 0:
        for chunk, rows in items:
            yield chunk, sealer(rows)
        return
    pool = multiprocessing.get_context("fork").Pool(
        workers, initializer=_init_worker, initargs=(os.getpid(), sealer.present, sealer.recorded_on)
    )
    try:
        pending: deque[tuple[C, Any]] = deque()
        for chunk, rows in items:
            pending.append((chunk, pool.apply_async(_seal_in_worker, (rows,))))
            if len(pending) > LOOKAHEAD:
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()
    finally:
        pool.terminate()
        pool.join()
