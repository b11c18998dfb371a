"""The demo's orderly movement: checkpoints with logs, a pass used and completed, one reused and one
forged code refused (and one lent to another car), departures decided under the active policy and a
coach with its passengers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.movement.choices import ApplicationStatus, BatchStatus, PassStatus, ScanRefusal
from fangkong.movement.models import PassScan
from fangkong.movement.synthetic import movement_generate

from ..factories import make_person, make_tree
from ..isolation.factories import use_profile

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_stage(city, lab):
    use_profile("twenty-measures")
    people = [make_person(city.home.household, f"演示居民{i}") for i in range(8)]
    other = make_tree(community="海东路社区", compound="海东小区")
    people += [make_person(other.household, f"学生{i}") for i in range(22)]
    for p in people[:5] + people[8:]:
        lab.negative(p, timezone.now() - dt.timedelta(hours=20))
    stats = movement_generate(seed=7)
    assert stats.checkpoints == 3 and stats.logs > 20
    assert stats.passes == {PassStatus.COMPLETED: 1, PassStatus.APPROVED: 1, PassStatus.REVOKED: 1, PassStatus.REQUESTED: 1}
    refusals = sorted(PassScan.objects.exclude(refusal="").values_list("refusal", flat=True))
    assert refusals == sorted([ScanRefusal.REUSED, ScanRefusal.FORGED, ScanRefusal.WRONG_PLATE])
    assert stats.applications.get(ApplicationStatus.REFUSED, 0) >= 1
    assert stats.seated >= 1 and stats.applications.get(ApplicationStatus.ASSIGNED) == stats.seated
    assert stats.batches == {BatchStatus.HANDED_OVER: 1, BatchStatus.PLANNING: 1}  # students handed over, workers waiting
