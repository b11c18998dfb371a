"""Generations: a token in the shared cache for each thing that readers cache something derived from
("account:42", "table:geo_building"). Whoever changes the thing replaces its token (`bump`); an
entry cached beside the old token is never read again. Decision 0012, docs/security.md.

Why a token and not deleting the entry: a reader may have read the database before a change
committed and store what it read after the change's delete — the stale entry would live on. Here
the reader stores the token it read *before* reading the database; a change bumps the token when it
is made and again once its transaction has committed, so an entry built from anything read before
the commit carries a token that is already gone.

The tokens are random (not counters): a token the cache evicted or lost (a Redis restart) is made
afresh on the next read and can never match an entry cached under an earlier one.

Reads never fail because of the cache: `tokens` answers None when the cache cannot be reached, and
the caller then reads the database. A bump that cannot reach the cache raises inside the change's
transaction (the change is refused, nothing is half-applied); the bump after the commit is logged
if it fails. Bulk writers (core.bulk) bump the tables `watch`ed here.

A table watched only `lenient`ly (the registry's people, households and tags, under the overview's
figures: registering a contact must not stop while Redis is down) is written all the same when its
bump cannot reach the cache: the failure is logged, and an entry cached beside its old token may be
read until the entry expires (the reader's entry life bounds it; the overview's is 10 minutes).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import models, transaction

log = logging.getLogger(__name__)
T = TypeVar("T")

PREFIX = "fk:gen:"
# A token lives as long as the longest entry cached beside it may be used; readers re-create it.
TOKEN_SECONDS = 7 * 24 * 3600

# Tables whose every write (ORM save or delete, core.bulk's BulkWriter) bumps "table:<db_table>";
# those no reader watches strictly are `_lenient` (a failed bump is logged, the write goes on).
_watched: set[str] = set()
_strict: set[str] = set()


def table_name(model: type[models.Model]) -> str:
    return f"table:{model._meta.db_table}"


def _key(name: str) -> str:
    return PREFIX + name


def tokens(names: Sequence[str], *, extra: Sequence[str] = ()) -> tuple[dict[str, str], dict[str, object]] | None:
    """The current token of each name, in one round trip with the `extra` cache keys (the entry the
    caller wants to check against them): ({name: token}, {extra key: value}). A missing token is
    created. None when the cache cannot be reached."""
    try:
        found = cache.get_many([_key(n) for n in names] + list(extra))
        current = {n: found.get(_key(n)) for n in names}
        for name, token in current.items():
            if token is None:
                cache.add(_key(name), uuid.uuid4().hex, TOKEN_SECONDS)
                current[name] = cache.get(_key(name))  # ours, or a writer's that came between
        if any(t is None for t in current.values()):
            return None
        return current, {k: found[k] for k in extra if k in found}  # type: ignore[misc]
    except Exception:  # noqa: BLE001 - the cache is only a shortcut: the caller reads the database
        log.warning("generations: the cache could not be read", exc_info=True)
        return None


def _replace(names: Iterable[str]) -> None:
    cache.set_many({_key(n): uuid.uuid4().hex for n in names}, TOKEN_SECONDS)


def bump(*names: str, lenient: bool = False) -> None:
    """`names` changed: replace their tokens now (raises if the cache cannot be reached, so the change
    is refused with its transaction — unless `lenient`: then logged) and again when the transaction
    commits."""
    if not names:
        return
    try:
        _replace(names)
    except Exception:
        if not lenient:
            raise
        log.error("generations: the cache could not be reached; %s not bumped", ", ".join(names), exc_info=True)

    def after_commit() -> None:
        try:
            _replace(names)
        except Exception:  # noqa: BLE001 - the first bump reached the cache; this one closes a race
            log.error("generations: the bump after commit failed for %s", ", ".join(names), exc_info=True)

    transaction.on_commit(after_commit)


def watch(*models_: type[models.Model], lenient: bool = False) -> None:
    """Every write to these models' tables bumps "table:<db_table>": ORM saves and deletes here,
    core.bulk's BulkWriter through `table_written`; raw SQL writes call `table_written` themselves.
    `lenient`: a write goes on when its bump cannot reach the cache (unless another reader watches
    the table strictly)."""
    from django.db.models.signals import post_delete, post_save

    for model in models_:
        _watched.add(model._meta.db_table)
        if not lenient:
            _strict.add(model._meta.db_table)
        post_save.connect(_on_row_changed, sender=model, dispatch_uid=f"generations:save:{model._meta.label}")
        post_delete.connect(_on_row_changed, sender=model, dispatch_uid=f"generations:delete:{model._meta.label}")


def _on_row_changed(sender: type[models.Model], **_kwargs: object) -> None:
    table_written(sender)


def table_written(model: type[models.Model]) -> None:
    """Rows of `model` were written outside the ORM's signals (COPY, UPDATE, TRUNCATE)."""
    table = model._meta.db_table
    if table in _watched:
        bump(table_name(model), lenient=table not in _strict)


def built_once(key: str, build: Callable[[], T], *, seconds: int, usable: Callable[[Any], bool], wait: float = 20.0) -> T:
    """What the shared cache keeps under `key` when `usable`, else built by **one** caller: the first
    to miss takes a short lock (`cache.add`) and builds, and the others — every web worker misses at
    once after a change replaced a token — wait up to `wait` seconds for its result instead of each
    running the same expensive read. A waiter builds itself when the builder's result never comes
    (the builder died or failed, or took longer than `wait`), and so does everyone when the shared
    cache cannot be reached. `key` carries the token the caller read before building (decision 0012)."""
    kept = _cached(key)
    if usable(kept):
        return kept
    lock = f"{key}:building"
    if _claimed(lock, int(wait) + 1):
        try:
            return _stored(key, build(), seconds)
        finally:
            _released(lock)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(0.05)
        kept = _cached(key)
        if usable(kept):
            return kept
        if _cached(lock) is None:  # the builder is done and left nothing usable: build ourselves
            break
    return _stored(key, build(), seconds)


def _cached(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:  # the shared cache is down: build as if nothing were kept
        log.warning("shared cache unreachable", extra={"key": key}, exc_info=True)
        return None


def _claimed(lock: str, seconds: int) -> bool:
    try:
        return bool(cache.add(lock, 1, seconds))
    except Exception:
        return True  # nobody can wait for us through the cache: build


def _released(lock: str) -> None:
    try:
        cache.delete(lock)
    except Exception:
        log.warning("shared cache unreachable", extra={"key": lock}, exc_info=True)


def _stored(key: str, value: T, seconds: int) -> T:
    try:
        cache.set(key, value, seconds)
    except Exception:
        log.warning("shared cache unreachable", extra={"key": key}, exc_info=True)
    return value
