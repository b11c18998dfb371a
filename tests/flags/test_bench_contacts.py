"""bench/supervision.add_contacts (the 400,000 contacts of the flags' bench, written on the server):
the rows keep the isolation models' constraints and the overdue-isolation rule finds exactly the
ones past their deadline. PostgreSQL only (the loader's SQL is PostgreSQL's, as the bench)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from fangkong.flags.choices import FlagRuleCode
from fangkong.isolation.choices import EPISODE_AWAITING, EpisodeStatus
from fangkong.isolation.models import Contact, ContactLink, IsolationEpisode
from fangkong.policy.regimen import local_date, local_midnight

from ..cases.factories import open_case
from ..factories import make_person
from .conftest import evaluate

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench's loader is PostgreSQL SQL"),
]

BENCH = Path(__file__).resolve().parents[2] / "bench" / "supervision.py"


def _bench():
    saved = list(sys.path)
    try:  # the bench puts bench/ first on sys.path for its own imports
        spec = importlib.util.spec_from_file_location("bench_supervision", BENCH)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path[:] = saved


def test_the_bench_contacts_keep_the_constraints_and_the_overdue_ones_are_flagged(city, users):
    bench = _bench()
    T = local_midnight(local_date(timezone.now()) - dt.timedelta(days=1)) + dt.timedelta(hours=18)  # the bench's T
    cases = [
        open_case(users["command"], make_person(city.home.household, f"阳性{i}"), confirmed_at=T - dt.timedelta(days=2, hours=i))
        for i in range(3)
    ]
    for i in range(60):
        make_person(city.neighbour.household if i % 2 else city.home.household, f"居民{i}")

    loaded = bench.add_contacts(T, 16)

    assert loaded["planned"] == loaded["episodes"] == loaded["contacts"] == loaded["links"] == 16
    assert loaded["isolation_sites"] == 1 and loaded["overdue"] == 1  # k = 0 overdue, k = 1 awaiting, not yet due
    contacts = list(Contact.objects.select_related("episode"))
    case_people = {c.person_id for c in cases}
    assert len({c.person_id for c in contacts}) == 16 and not case_people & {c.person_id for c in contacts}
    for contact in contacts:
        episode = contact.episode
        assert episode.person_id == contact.person_id and episode.community_id == contact.community_id
        assert episode.identified_at == contact.identified_at <= T and episode.isolate_by > episode.identified_at
        if episode.status == EpisodeStatus.CHECKED_IN:
            assert episode.site_id and episode.identified_at <= episode.checked_in_at <= min(episode.isolate_by, T)
        else:
            assert episode.status in EPISODE_AWAITING and episode.site_id is None and episode.checked_in_at is None
        episode.full_clean()
        contact.full_clean()
    for link in ContactLink.objects.select_related("case"):
        assert link.case_id in {c.pk for c in cases} and link.last_exposure_at < link.case.confirmed_at
        link.full_clean()
    overdue = IsolationEpisode.objects.filter(status__in=EPISODE_AWAITING, isolate_by__lt=T)
    run = evaluate(FlagRuleCode.ISOLATION_OVERDUE, T, full=True)
    assert run.items == overdue.count() == 1
