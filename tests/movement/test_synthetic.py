"""The demo's orderly movement: checkpoints with logs, a pass used and completed, one reused and one
forged code refused (and one lent to another car), departures decided under the active policy and a
coach with its passengers; the students handed over to a configured receiving unit (told when they left
and when they arrived), a checkpoint's roster with one gap in the next 24 hours, and two residents'
own applications waiting for the community — built at any hour (two of them tested)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count, Sum
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role
from fangkong.movement.alerts import SCAN_FLAGGED
from fangkong.movement.choices import (
    ApplicationStatus,
    BatchStatus,
    CheckpointRole,
    FeverAction,
    MemberStatus,
    NoticeKind,
    PassStatus,
    ScanRefusal,
)
from fangkong.movement.events import MovementEvent
from fangkong.movement.models import (
    Checkpoint,
    CheckpointFever,
    CheckpointLog,
    DestinationNotice,
    PassScan,
    SelfApplication,
    TransferBatch,
)
from fangkong.movement.shifts import checkpoint_gaps
from fangkong.movement.synthetic import movement_generate
from fangkong.notifications.models import Notification
from fangkong.notifications.rules import rules
from fangkong.notifications.services.delivery import deliver_rule

from ..factories import make_person, make_tree
from ..isolation.factories import use_profile

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture(params=[dt.datetime(2026, 12, 8, 0, 5), dt.datetime(2026, 12, 7, 15, 30)], ids=["00:05", "15:30"])
def beijing_hour(request):
    with time_machine.travel(request.param.replace(tzinfo=BEIJING), tick=True):
        yield


def test_the_demo_shows_every_stage(beijing_hour, city, users, lab):
    use_profile("twenty-measures")
    people = [make_person(city.home.household, f"演示居民{i}") for i in range(8)]
    other = make_tree(community="海东路社区", compound="海东小区")
    people += [make_person(other.household, f"学生{i}") for i in range(22)]
    for p in people[:5] + people[8:]:
        lab.negative(p, timezone.now() - dt.timedelta(hours=20))
    stats = movement_generate(seed=7)
    assert stats.checkpoints == 3 and stats.proposed == 1 and stats.logs > 20 and stats.fevers == 4
    assert stats.passes == {PassStatus.COMPLETED: 1, PassStatus.APPROVED: 1, PassStatus.REVOKED: 1, PassStatus.REQUESTED: 1}
    refusals = sorted(PassScan.objects.exclude(refusal="").values_list("refusal", flat=True))
    assert refusals == sorted([ScanRefusal.REUSED, ScanRefusal.FORGED, ScanRefusal.WRONG_PLATE])
    assert stats.applications.get(ApplicationStatus.REFUSED, 0) >= 1
    assert stats.seated >= 1 and stats.applications.get(ApplicationStatus.ASSIGNED) == stats.seated
    assert stats.batches == {BatchStatus.HANDED_OVER: 1, BatchStatus.PLANNING: 1}  # students handed over, workers waiting

    students = TransferBatch.objects.get(status=BatchStatus.HANDED_OVER)
    assert students.receiver is not None and students.receiver.name == students.receiving_unit
    kinds = sorted(DestinationNotice.objects.filter(batch=students, receiver=students.receiver).values_list("kind", flat=True))
    assert kinds == sorted([NoticeKind.BATCH_DEPARTED, NoticeKind.BATCH_HANDED_OVER]) and stats.notices == 2
    # confirmed by the receiving unit (its one-time link, spent), not typed in by the sending office
    assert students.handover_link is not None and students.handover_link.used_at is not None
    assert students.handover_count == students.members.filter(status=MemberStatus.ARRIVED).count() > 0
    confirmed = AuditEvent.objects.get(event_type=MovementEvent.BATCH_HANDED_OVER, object_id=str(students.pk))
    assert confirmed.actor is None and students.receiver.name in confirmed.actor_name

    roster = Checkpoint.objects.get(name="金桥收费站卡口")
    assert stats.shifts == 7 and roster.shifts.count() == 7
    (gap,) = checkpoint_gaps([roster.pk])[roster.pk]  # one gap in the next 24 hours: the medic of the next shift
    assert gap.role == CheckpointRole.MEDIC and timezone.now() < gap.starts_at < timezone.now() + dt.timedelta(hours=8)

    waiting = SelfApplication.objects.visible_to(users["community"]).filter(status="pending")
    assert waiting.count() == stats.own_waiting == 2

    # Checkpoints: three approved (the trunk-road closure by the command), one proposed; fevers logged.
    assert dict(Checkpoint.objects.values_list("status").annotate(n=Count("id")).order_by()) == {"approved": 3, "proposed": 1}
    closure = Checkpoint.objects.get(closes_trunk_road=True)
    assert closure.decided_by.role == Role.COMMAND_CENTRE
    assert set(CheckpointFever.objects.values_list("action", flat=True)) == set(FeverAction.values)
    assert CheckpointLog.objects.aggregate(n=Sum("fevers"))["n"] == CheckpointFever.objects.count() == 4
    # The refused scans (reused, forged, lent) flagged to the demo district's office.
    assert deliver_rule(rules.get(SCAN_FLAGGED), now=timezone.now() + dt.timedelta(seconds=1)).events == 3
    assert Notification.objects.filter(rule=SCAN_FLAGGED, recipient=users["district"]).count() == 3
