"""The reconstruction attack on masked resident ID numbers (decision 0005), as an outsider runs it.

A resident ID number is region (6) + birth date (8) + sequence (3) + check character (1, GB 11643 /
ISO 7064 MOD 11-2). The mask shows region and the last 4 (sequence + check). Whoever also knows
some birth dates — a date, a year, a range of years, a latest possible day — enumerates the dates,
keeps those whose check character matches the shown one, and has the number when one is left.

Usable outside the tests against any database, e.g. a dump of the demo:

    .venv/bin/python manage.py shell -c "from tests.security.reconstruction import dump_attack; print(dump_attack())"
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.utils import timezone

from fangkong.geo.idnumbers import EARLIEST_BIRTH, check_char

MASKED_RESIDENT = re.compile(r"^(\d{6})\*{8}(\d{3}[\dX])$")
ONE_DAY = dt.timedelta(days=1)


def candidates(region: str, tail: str, dates: Iterable[dt.date]) -> list[str]:
    """Every valid number with this region and tail and a birth date among `dates`."""
    out = []
    for day in dates:
        first17 = f"{region}{day:%Y%m%d}{tail[:3]}"
        if check_char(first17) == tail[3]:
            out.append(first17 + tail[3])
    return out


def days(first_year: int, last_year: int, *, not_after: dt.date) -> Iterable[dt.date]:
    """The days of first_year … last_year, none after `not_after` nor before GB 11643's earliest."""
    day = max(dt.date(first_year, 1, 1), EARLIEST_BIRTH)
    last = min(dt.date(last_year, 12, 31), not_after)
    while day <= last:
        yield day
        day += ONE_DAY


@dataclass
class Outcome:
    people: int  # people whose masked number is a resident ID's
    recovered: int  # people left with exactly one candidate: their number is known
    min_candidates: int | None
    counts: dict[int, int] = field(repr=False)  # person id → number of candidates

    def __str__(self) -> str:
        return f"{self.recovered} of {self.people} numbers recovered; fewest candidates for one person: {self.min_candidates}"


def attack(rows: Iterable[tuple[int, str, int | None, int | None, dt.date]]) -> Outcome:
    """rows of (person id, masked number, first possible birth year, last possible birth year,
    the latest day the birth can be): count each person's candidates."""
    counts: dict[int, int] = {}
    for pk, masked, first, last, not_after in rows:
        match = MASKED_RESIDENT.match(masked or "")
        if match is None or first is None:
            continue
        region, tail = match.groups()
        counts[pk] = len(candidates(region, tail, days(first, last or first, not_after=not_after)))
    return Outcome(
        people=len(counts),
        recovered=sum(1 for n in counts.values() if n == 1),
        min_candidates=min(counts.values()) if counts else None,
        counts=counts,
    )


def dump_attack() -> Outcome:
    """The attack on the plaintext columns only, read with raw SQL and without FANGKONG_DATA_KEY:
    geo_person's masked number, birth years and the day the row was written (a birth cannot come
    after it); for the rows of a generated city, its as-of day from the audit log (the same bound)."""
    with connection.cursor() as cur:
        cur.execute("SELECT at, after FROM audit_auditevent WHERE event_type = %s ORDER BY at DESC", ["geo.city_generated"])
        city = cur.fetchone()
        cur.execute("SELECT id, id_masked, birth_year, birth_year_to, created_at FROM geo_person")
        rows = cur.fetchall()
    generated_at, as_of = dt.datetime.max.replace(tzinfo=dt.UTC), None
    if city is not None:
        after = json.loads(city[1]) if isinstance(city[1], str) else city[1]
        generated_at, as_of = _aware(city[0]), dt.date.fromisoformat(after["as_of"])

    def not_after(created: dt.datetime | str) -> dt.date:
        created = _aware(created)
        day = timezone.localtime(created).date()
        return min(day, as_of) if as_of is not None and created <= generated_at else day

    return attack((pk, masked, first, last, not_after(created)) for pk, masked, first, last, created in rows)


def _aware(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):  # SQLite returns text for a raw SELECT
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if timezone.is_naive(value) else value  # Django stores naive UTC on SQLite
