"""What 快隔 tells the rest of the platform about a person: the tests of their isolation regimen (a
source of fangkong.results.history) and whether they were awaiting isolation, in central isolation
or isolated at home at a time (states of fangkong.geo.person_states); their isolation and contact
links on their record (sections of fangkong.geo.person_record, read in record.py). Registered from ready()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.sql import any_of, table
from fangkong.geo.person_states import PersonState, StateKind
from fangkong.results.history import TestEntry

from .choices import EpisodeStatus
from .models import IsolationEpisode, RoomStay, ScheduledTest


def regimen_tests(person_ids: Sequence[int], before: dt.datetime | None) -> Iterator[TestEntry]:
    qs = ScheduledTest.objects.filter(any_of("episode__person_id", list(person_ids)), sampled_at__isnull=False).select_related("episode")
    if before is not None:
        qs = qs.filter(sampled_at__lte=before)
    for t in qs:
        yield TestEntry(
            person_id=t.episode.person_id,
            sampled_at=t.sampled_at,
            resulted_at=t.resulted_at,
            result=t.result,
            source="isolation",
            label=_("%(phase)s第 %(n)s 天") % {"phase": t.get_phase_display(), "n": t.day_number},
            ref=f"isolation.scheduledtest:{t.pk}",
            ct=t.ct_value,
        )


def regimen_relation(people: str) -> str:
    """regimen_tests as SQL (fangkong.results.history.Relation): the sampled tests of each episode."""
    test, episode = table(ScheduledTest), table(IsolationEpisode)
    return (
        f"SELECT e.person_id AS person_id, t.sampled_at AS sampled_at, t.resulted_at AS resulted_at, t.result AS result, "
        f"FALSE AS pooled FROM {test} t JOIN {episode} e ON e.id = t.episode_id "
        f"WHERE t.sampled_at IS NOT NULL AND e.person_id IN ({people})"
    )


def _ended_by(at: dt.datetime) -> Q:
    return Q(ended_at__isnull=False, ended_at__lte=at)


def isolation_states(person_ids: Sequence[int], at: dt.datetime) -> Iterator[PersonState]:
    """Awaiting isolation (identified, not yet checked in), in central isolation (checked in, not
    yet released), isolated at home (handed over or home phase begun), at `at`."""
    episodes = (
        IsolationEpisode.objects.filter(any_of("person_id", list(person_ids)), identified_at__lte=at)
        .exclude(_ended_by(at))
        .exclude(status=EpisodeStatus.CANCELLED, ended_at__isnull=True)
        .select_related("site")
    )
    rooms = {
        s.episode_id: s.room
        for s in RoomStay.objects.filter(episode__in=episodes, started_at__lte=at).exclude(ended_at__lte=at).select_related("room")
    }
    for e in episodes:
        ref = f"isolation.isolationepisode:{e.pk}"
        home_from = e.home_started_at or e.handed_over_at
        if home_from is not None and home_from <= at:
            yield PersonState(
                e.person_id,
                StateKind.HOME_ISOLATION,
                _("居家隔离"),
                since=home_from,
                until=e.home_until,
                ref=ref,
                days=e.home_days if e.home_until else None,
            )
        elif e.checked_in_at is not None and e.checked_in_at <= at and (e.released_at is None or e.released_at > at):
            room = rooms.get(e.pk)
            where = f"{e.site.name} {room.number}" if e.site_id and room is not None else (e.site.name if e.site_id else "")
            yield PersonState(
                e.person_id,
                StateKind.CENTRAL_ISOLATION,
                _("集中隔离 · %(w)s") % {"w": where} if where else _("集中隔离"),
                since=e.checked_in_at,
                until=e.central_until,
                ref=ref,
                place=e.site.name if e.site_id else "",
                headline=_("在集中隔离 · %(w)s") % {"w": where} if where else _("在集中隔离"),
                days=e.central_days if e.central_until else None,
            )
        elif e.checked_in_at is None or e.checked_in_at > at:
            yield PersonState(
                e.person_id, StateKind.AWAITING_ISOLATION, _("待转运隔离"), since=e.identified_at, until=e.isolate_by, ref=ref
            )


def register() -> None:
    from fangkong.geo.person_record import Section, sections
    from fangkong.geo.person_states import states
    from fangkong.results.history import sources

    from .permissions import PEOPLE, TRACING, IsolationCap
    from .record import contact_entries, episode_entries

    sources.register("isolation", regimen_tests, need=(IsolationCap.VIEW,), relation=regimen_relation)
    states.register("isolation", isolation_states, need=(IsolationCap.VIEW,))
    sections.register(Section("isolation", gettext_lazy("隔离"), "building", episode_entries, need=PEOPLE, order=40))
    sections.register(Section("contacts", gettext_lazy("密接关系"), "diagram-2", contact_entries, need=TRACING, order=35))
