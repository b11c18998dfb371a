"""People sampled twice on one day (层层加码: the same people tested again the same day without a
reason). A door re-test (上门单采: a positive pool's members, a missed resident) is a reason, so only
round samples count; two rounds sampling the same person on one Beijing day is the finding. Set-based:
one grouped query for the rounds of each day, one for the candidates' people and days, one for their
samples."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..models import TubeMember

PLACES = ("district_id", "street_id", "community_id")
MANY_PEOPLE = 20_000  # more new samples than this (a round's upload): a subquery, not a list of parameters


@dataclass(frozen=True)
class Sample:
    member_id: int
    tube_id: int
    barcode: str
    round_number: int
    sampled_at: dt.datetime
    district_id: int | None
    street_id: int | None
    community_id: int | None


@dataclass
class Repeat:
    """One person's samples of one Beijing day (two or more). The person is kept by id only for
    grouping; callers show the tubes, never the person."""

    person_id: int
    day: dt.date
    samples: list[Sample] = field(default_factory=list)


def last_sample_id() -> int:
    """The newest sample row's id: a watermark for `sampled_twice(after_id=…)` (rows are numbered
    as they are written, whatever their sampling time — a phone that uploads late included)."""
    return TubeMember.objects.aggregate(last=Max("id"))["last"] or 0


def settled_sample_id(*, lookback: int) -> int:
    """A watermark for `sampled_twice(after_id=…)` that an incremental reader can trust: the newest
    sample row id with every row below it written. A row whose transaction was still open when the
    watermark was taken leaves a hole in the ids (a concurrent upload committed after it); the
    watermark stops just below the first hole among the newest `lookback` ids, so the next run reads
    that row when it lands (and the few rows above the hole again: harmless). Rows further back than
    `lookback` are taken as written, and a hole left by a rolled-back upload is passed once it is
    that far behind. Without holes: the newest id, and the next run reads only rows written since."""
    last = last_sample_id()
    floor = max(0, last - lookback)
    previous = floor
    for pk in TubeMember.objects.filter(pk__gt=floor).order_by("pk").values_list("pk", flat=True):
        if pk != previous + 1 and previous != 0:
            return previous
        previous = pk
    return last


def _candidates(members: QuerySet[TubeMember], local: dt.tzinfo) -> QuerySet | None:
    """The people who may have been sampled twice on a day, as a subquery (None: nobody). A person is
    sampled once per round (the unique (person, round) index), so a repeat needs two rounds sampling
    on the same Beijing day, and one of its two samples lies outside the day's largest round: the
    people of the other rounds of that day are the candidates. One grouped pass over the window by
    (round, day) — a few groups, held in memory — instead of grouping every sample by (person, day),
    which spills to disk on a city's round; the people are then grouped by day through their index."""
    by_day: dict[dt.date, list[tuple[int, int]]] = {}
    for row in members.annotate(day=TruncDate("sampled_at", tzinfo=local)).values("round_id", "day").annotate(n=Count("id")).order_by():
        by_day.setdefault(row["day"], []).append((row["n"], row["round_id"]))
    q = Q(pk__in=[])
    for day, rounds in by_day.items():
        if len(rounds) < 2:
            continue
        others = [round_id for _n, round_id in sorted(rounds)[:-1]]
        start = dt.datetime.combine(day, dt.time.min, tzinfo=local)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=local)
        q |= Q(round_id__in=others, sampled_at__gte=start, sampled_at__lt=end)
    if not any(len(rounds) > 1 for rounds in by_day.values()):
        return None
    return members.filter(q).values("person_id")


def sampled_twice(*, day_from: dt.date, until: dt.datetime, after_id: int | None = None) -> list[Repeat]:
    """The people sampled into two or more round tubes (not a door re-test) on one Beijing day from
    `day_from` to `until`; with `after_id`, only people with a sample row written after it (an
    incremental run)."""
    local = timezone.get_default_timezone()
    start = dt.datetime.combine(day_from, dt.time.min, tzinfo=local)
    members = TubeMember.objects.filter(is_resample=False, sampled_at__gte=start, sampled_at__lte=until)
    if after_id is not None:
        # The few people with new rows first (the primary key), then their samples of the window
        # (the (person, round) index): never a scan of the window's every sample.
        new = TubeMember.objects.filter(pk__gt=after_id).values_list("person_id", flat=True)
        rows = list(new[: MANY_PEOPLE + 1])
        if not rows:
            return []
        members = members.filter(person_id__in=sorted(set(rows)) if len(rows) <= MANY_PEOPLE else new)
    else:
        candidates = _candidates(members, local)
        if candidates is None:
            return []
        members = members.filter(person_id__in=candidates)
    pairs = (
        members.annotate(day=TruncDate("sampled_at", tzinfo=local))
        .values("person_id", "day")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
    )
    repeats = {(p["person_id"], p["day"]): Repeat(p["person_id"], p["day"]) for p in pairs}
    if not repeats:
        return []
    rows = (
        members.filter(person_id__in={pid for pid, _day in repeats})
        .order_by("sampled_at")
        .values_list(
            "pk", "person_id", "tube_id", "tube__barcode", "round__number", "sampled_at", "district_id", "street_id", "community_id"
        )
    )
    for pk, pid, tube_id, barcode, number, sampled, d, s, c in rows:
        repeat = repeats.get((pid, timezone.localtime(sampled, local).date()))
        if repeat is not None:
            repeat.samples.append(Sample(pk, tube_id, barcode, number, sampled, d, s, c))
    return list(repeats.values())
