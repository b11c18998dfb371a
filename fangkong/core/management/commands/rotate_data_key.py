"""Re-encrypt and re-hash every sealed field under the current FANGKONG_DATA_KEY (operator guide §5b).

    manage.py rotate_data_key [--batch-size 1000] [--check]

Run after setting the new key as FANGKONG_DATA_KEY and the old one in FANGKONG_DATA_KEYS_RETIRED, on
every process (pages keep reading both meanwhile). Each sealed field is a text field named `*_cipher`
(its look-up hash, when it has one, the sibling `*_hash`); the command walks each table in primary-key
order, a batch at a time, each batch one transaction holding its rows locked for its few milliseconds,
so a page's write to the same row waits and is never overwritten. Rows already under the current key
are not selected: stopped at any point, run it again and it goes on where it was. It prints each
field's progress, and what was left as it was (a hash matching no key of the ring: reported, not
guessed). `--check` only counts the rows still under a retired key and exits 1 while any remain: the
retired key may be removed when it exits 0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models import Q

from fangkong.core import crypto


@dataclass(frozen=True)
class SealedField:
    model: type[models.Model]
    cipher: str
    hash: str | None
    kind: str  # what the look-up hash was computed over: "phone" or "id"

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.cipher}"


def sealed_fields() -> list[SealedField]:
    """Every `*_cipher` text field of every installed model, with its `*_hash` sibling if it has one."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for field in model._meta.concrete_fields:
            if field.name.endswith("_cipher") and isinstance(field, models.TextField | models.CharField):
                prefix = field.name.removesuffix("_cipher")
                hash_field = f"{prefix}_hash" if f"{prefix}_hash" in names else None
                found.append(SealedField(model, field.name, hash_field, "phone" if "phone" in prefix else "id"))
    return sorted(found, key=lambda s: s.label)


def _stale(field: SealedField) -> Q:
    return ~Q(**{field.cipher: ""}) & ~Q(**{f"{field.cipher}__startswith": crypto.current_prefix()})


def remaining(field: SealedField) -> int:
    return field.model._default_manager.filter(_stale(field)).count()


def rotate_batch(field: SealedField, *, after: Any, size: int, ring: list[crypto.RingKey]) -> tuple[Any, int, int]:
    """One batch past primary key `after`: (the last key seen or None when done, rows moved, hashes left
    as they were because they match no key of the ring)."""
    current = ring[0]
    columns = ["pk", field.cipher, *([field.hash] if field.hash else [])]
    manager = field.model._default_manager
    with transaction.atomic():
        query = manager.filter(_stale(field))
        if after is not None:
            query = query.filter(pk__gt=after)
        rows = list(query.order_by("pk").select_for_update().only(*columns)[:size])
        if not rows:
            return None, 0, 0
        unmatched = 0
        for row in rows:
            plaintext = crypto.decrypt(getattr(row, field.cipher))
            setattr(row, field.cipher, crypto._seal(current, plaintext))
            if field.hash:
                stored = getattr(row, field.hash)
                hashes = [crypto._hash(key.hash_key, field.kind, plaintext) for key in ring]
                if stored and stored != hashes[0]:
                    if stored in hashes:
                        setattr(row, field.hash, hashes[0])
                    else:
                        unmatched += 1
        manager.bulk_update(rows, [field.cipher, *([field.hash] if field.hash else [])])
    return rows[-1].pk, len(rows), unmatched


class Command(BaseCommand):
    help = "Re-encrypt and re-hash every sealed field under the current FANGKONG_DATA_KEY, in batches (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--check", action="store_true", help="only count rows under a retired key; exit 1 while any remain")

    def handle(self, *args: Any, batch_size: int, check: bool, **options: Any) -> None:
        ring = crypto.key_ring()
        fields = sealed_fields()
        self.stdout.write(f"current key {ring[0].id}; retired: {', '.join(k.id for k in ring[1:]) or 'none'}")
        if check:
            left = {f.label: remaining(f) for f in fields}
            for label, n in left.items():
                self.stdout.write(f"  {label}: {n} under another key")
            if any(left.values()):
                raise CommandError(f"{sum(left.values())} values are not under the current key yet: keep the retired key(s)")
            self.stdout.write(self.style.SUCCESS("every value is under the current key: the retired key(s) may be removed"))
            return
        started = time.monotonic()
        total = 0
        for field in fields:
            todo = remaining(field)
            if not todo:
                self.stdout.write(f"  {field.label}: nothing to do")
                continue
            done = unmatched = 0
            after = None
            while True:
                after, moved, odd = rotate_batch(field, after=after, size=batch_size, ring=ring)
                if after is None:
                    break
                done, unmatched = done + moved, unmatched + odd
                self.stdout.write(f"  {field.label}: {done}/{todo} ({100 * done // max(todo, 1)} %)")
            total += done
            if unmatched:
                self.stdout.write(
                    self.style.WARNING(f"  {field.label}: {unmatched} look-up hashes matched no key and were left as they were")
                )
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"re-encrypted {total} values in {seconds:.1f} s; check with --check before removing the retired key")
        )
