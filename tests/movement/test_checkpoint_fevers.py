"""The checkpoint's log with temperatures (逢车必查、逢人必测): each traveller with a fever is recorded
with the temperature taken and what was done (转运发热门诊, 隔离观察, 复测正常 with the retest); bad
readings name their field and write nothing; the counts per checkpoint and per shift are the
number of fever rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError
from fangkong.movement.choices import CheckpointRole, FeverAction
from fangkong.movement.events import MovementEvent
from fangkong.movement.models import CheckpointFever, CheckpointLog
from fangkong.movement.selectors import movement_figures
from fangkong.movement.services.checkpoints import FeverReading, checkpoint_log
from fangkong.movement.services.shifts import shifts_add
from fangkong.movement.shifts import shift_rows

pytestmark = pytest.mark.django_db


def log(user, cp, fevers, people=4, at=None):
    return checkpoint_log(actor=user, checkpoint=cp, plate="蒙A12345", people=people, fevers=fevers, at=at)


def test_each_fever_is_kept_with_its_temperature_and_action(users, checkpoint):
    entry = log(
        users["district"],
        checkpoint,
        [FeverReading("38.4", FeverAction.FEVER_CLINIC), FeverReading(37.6, FeverAction.RETEST_NORMAL, "36.8")],
    )
    assert entry.fevers == 2
    rows = sorted(CheckpointFever.objects.filter(log=entry).values_list("temperature", "action", "retest_temperature"))
    assert [(str(t), a, r and str(r)) for t, a, r in rows] == [("37.6", "retest_normal", "36.8"), ("38.4", "fever_clinic", None)]
    assert "38.4℃ 转运发热门诊" in entry.fever_action
    event = AuditEvent.objects.get(event_type=MovementEvent.CHECKPOINT_FEVER)
    assert event.count == 2 and event.after["temperatures"] == ["38.4", "37.6"]


@pytest.mark.parametrize(
    ("reading", "field"),
    [
        (FeverReading("abc", FeverAction.ISOLATION), "temperature"),
        (FeverReading("44.5", FeverAction.ISOLATION), "temperature"),  # a misreading
        (FeverReading("33.0", FeverAction.ISOLATION), "temperature"),
        (FeverReading("36.9", FeverAction.ISOLATION), "temperature"),  # below the fever line: not a fever
        (FeverReading("38.0", ""), "fever_action"),
        (FeverReading("38.0", "sent_home"), "fever_action"),
        (FeverReading("38.0", FeverAction.RETEST_NORMAL), "retest_temperature"),  # 复测正常 without the retest
        (FeverReading("38.0", FeverAction.RETEST_NORMAL, "37.5"), "retest_temperature"),  # the retest is still a fever
        (FeverReading("38.0", FeverAction.RETEST_NORMAL, "30"), "retest_temperature"),
    ],
)
def test_a_bad_reading_names_its_field_and_writes_nothing(users, checkpoint, reading, field):
    with pytest.raises(DomainError) as refused:
        log(users["district"], checkpoint, [FeverReading("38.2", FeverAction.FEVER_CLINIC), reading])
    assert refused.value.field == field and "第 2 名" in refused.value.message
    assert not CheckpointLog.objects.exists() and not CheckpointFever.objects.exists()


def test_more_fevers_than_people_is_refused(users, checkpoint):
    with pytest.raises(DomainError) as refused:
        log(users["district"], checkpoint, [FeverReading("38.2", FeverAction.ISOLATION)] * 3, people=2)
    assert refused.value.field == "fevers" and not CheckpointLog.objects.exists()


def test_counts_per_checkpoint_and_shift_are_the_fever_rows(users, traffic, checkpoint):
    start = timezone.now() - dt.timedelta(minutes=30)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("fangkong.movement.services.shifts.now", lambda: start - dt.timedelta(minutes=1))
        shifts_add(
            actor=traffic["approver"],
            checkpoint=checkpoint,
            role=CheckpointRole.MEDIC,
            name="医生甲",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
        )
    at = timezone.now() - dt.timedelta(minutes=5)
    log(users["district"], checkpoint, [FeverReading("38.4", FeverAction.FEVER_CLINIC)], at=at)
    log(
        users["district"],
        checkpoint,
        [FeverReading("37.9", FeverAction.ISOLATION), FeverReading("37.5", FeverAction.RETEST_NORMAL, "36.7")],
        at=at,
    )
    log(users["district"], checkpoint, [], at=at)
    (row,) = shift_rows(checkpoint)
    assert (row.vehicles, row.fevers) == (3, 3) == (CheckpointLog.objects.count(), CheckpointFever.objects.count())
    assert CheckpointLog.objects.aggregate(n=Sum("fevers"))["n"] == CheckpointFever.objects.filter(checkpoint=checkpoint).count()
    f = movement_figures(user=users["district"], day=timezone.localdate(at))
    ((_cp, vehicles, _people, fevers),) = f.checkpoints
    assert (vehicles, fevers) == (3, 3)
    assert f.fever_actions == {FeverAction.FEVER_CLINIC: 1, FeverAction.ISOLATION: 1, FeverAction.RETEST_NORMAL: 1}
    assert movement_figures(user=users["command"], day=timezone.localdate(at)).fever_actions[FeverAction.ISOLATION] == 1


def test_the_page_logs_fever_rows_and_shows_the_field_refused(users, checkpoint):
    c = Client()
    c.force_login(users["district"])
    url = reverse("movement:checkpoint_detail", args=[checkpoint.pk])
    refused = c.post(
        url, {"plate": "蒙A12345", "people": 3, "fever_temperature": ["38.2", "45"], "fever_action": ["fever_clinic", "isolation"]}
    )
    body = refused.content.decode()
    assert refused.status_code == 422 and "34–43" in body and 'value="45"' in body  # the rows typed come back
    assert not CheckpointLog.objects.exists()
    done = c.post(
        url,
        {
            "plate": "蒙A12345",
            "people": 3,
            "fever_temperature": ["38.2", "37.8", ""],
            "fever_action": ["fever_clinic", "retest_normal", ""],
            "fever_retest": ["", "36.9", ""],
        },
    )
    assert done.status_code == 302
    page = c.get(url).content.decode()
    assert "38.2℃ 转运发热门诊" in page and "36.9℃" in page
    assert CheckpointLog.objects.get().fevers == 2
