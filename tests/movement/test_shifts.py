"""Checkpoint shifts (卡口值守): every moment of the next 24 hours needs a police officer and a medic on
shift; the gaps are named with their role and Beijing span (a night gap first-class, as the 4+N
rosters name theirs: fangkong.core.coverage); each shift counts the vehicles logged during it. Bad
input names its field and writes nothing; another district's office and a role without the
capability cannot staff the checkpoint (attacks)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.movement.choices import CheckpointRole, FeverAction
from fangkong.movement.models import CheckpointShift
from fangkong.movement.services.checkpoints import FeverReading, checkpoint_log
from fangkong.movement.services.shifts import shift_cancel, shifts_add
from fangkong.movement.shifts import checkpoint_gaps, shift_rows

from ..factories import make_user

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
MORNING = dt.datetime(2026, 12, 7, 8, 0, tzinfo=BEIJING)  # 08:00 Beijing


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


def add(actor, cp, role, name, start_h, hours, days=1):
    start = MORNING + dt.timedelta(hours=start_h)
    return shifts_add(
        actor=actor, checkpoint=cp, role=role, name=name, starts_at=start, ends_at=start + dt.timedelta(hours=hours), days=days
    )


def test_the_gaps_name_the_role_and_span_and_close_when_staffed(clock, traffic, checkpoint):
    office = traffic["approver"]
    (police, medic) = checkpoint_gaps([checkpoint.pk])[checkpoint.pk]
    assert (police.role, medic.role) == (CheckpointRole.POLICE, CheckpointRole.MEDIC) and police.night
    add(office, checkpoint, CheckpointRole.POLICE, "警员甲", 0, 12)
    add(office, checkpoint, CheckpointRole.POLICE, "警员乙", 12, 12)
    add(office, checkpoint, CheckpointRole.MEDIC, "医生甲", 0, 10)
    add(office, checkpoint, CheckpointRole.STAFF, "志愿者", 10, 12)  # not a required role: closes nothing
    (gap,) = checkpoint_gaps([checkpoint.pk])[checkpoint.pk]
    assert gap.role == CheckpointRole.MEDIC
    assert gap.label == "夜班 12-07 18:00–次日08:00 无医务人员（测温）"
    add(office, checkpoint, CheckpointRole.MEDIC, "医生乙", 10, 14)
    assert checkpoint_gaps([checkpoint.pk])[checkpoint.pk] == []


def test_each_shift_counts_the_vehicles_logged_during_it(clock, traffic, users, checkpoint):
    office = traffic["approver"]
    add(office, checkpoint, CheckpointRole.POLICE, "警员甲", 0, 8)
    clock.shift(dt.timedelta(hours=2))
    checkpoint_log(
        actor=users["district"], checkpoint=checkpoint, plate="蒙A12345", people=3, fevers=[FeverReading("38.0", FeverAction.FEVER_CLINIC)]
    )
    checkpoint_log(actor=users["district"], checkpoint=checkpoint, plate="蒙A12346", people=2)
    (row,) = shift_rows(checkpoint)
    assert (row.on_now, row.vehicles, row.people, row.fevers) == (True, 2, 5, 1)


def test_bad_shifts_name_the_field_and_write_nothing(clock, traffic, checkpoint):
    office = traffic["approver"]
    add(office, checkpoint, CheckpointRole.POLICE, "警员甲", 48, 8)
    cases = [
        ((CheckpointRole.POLICE, "警员甲", 0, 8, 3), "starts_at"),  # day 3 overlaps: none written
        ((CheckpointRole.POLICE, "警员丙", 0, 25, 1), "ends_at"),
        ((CheckpointRole.POLICE, "警员丙", -10, 8, 1), "ends_at"),  # already over
        (("cook", "警员丙", 0, 8, 1), "role"),
        ((CheckpointRole.POLICE, " ", 0, 8, 1), "name"),
    ]
    for (role, name, start_h, hours, days), field in cases:
        with pytest.raises(DomainError) as err:
            add(office, checkpoint, role, name, start_h, hours, days=days)
        assert err.value.field == field
    assert CheckpointShift.objects.count() == 1
    (first,) = add(office, checkpoint, CheckpointRole.POLICE, "警员甲", 0, 8, days=2)[:1]
    assert CheckpointShift.objects.count() == 3
    clock.shift(dt.timedelta(hours=1))
    with pytest.raises(DomainError):
        shift_cancel(actor=office, shift=first)  # begun: the record of who was on duty


def test_another_district_and_a_role_without_the_capability_cannot_staff_it(clock, city, traffic, users, checkpoint):
    """Attack: the other district's traffic group posts a shift to this checkpoint by its id; a
    community worker (may log vehicles, may not staff) posts one too."""
    elsewhere = make_user("huimin-traffic", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    data = {"role": "police", "name": "冒名", "starts_at": "2026-12-07T09:00", "ends_at": "2026-12-07T17:00", "days": 1}
    url = reverse("movement:checkpoint_shifts", args=[checkpoint.pk])
    c = Client()
    c.force_login(elsewhere)
    assert c.post(url, data).status_code == 404
    with pytest.raises(DomainError):
        add(elsewhere, checkpoint, CheckpointRole.POLICE, "冒名", 1, 8)
    c.force_login(users["community"])
    assert c.post(url, data).status_code == 403
    with pytest.raises(PermissionRefused):
        add(users["community"], checkpoint, CheckpointRole.POLICE, "冒名", 1, 8)
    assert not CheckpointShift.objects.exists()
    c.force_login(traffic["approver"])
    assert c.post(url, data).status_code == 302
    page = c.get(reverse("movement:checkpoint_detail", args=[checkpoint.pk])).content.decode()
    assert "冒名" in page and "无医务人员（测温）" in page
    listing = c.get(reverse("movement:checkpoint_list")).content.decode()
    assert "无公安交警" in listing


def test_another_districts_office_cannot_cancel_a_shift(clock, city, traffic, checkpoint):
    (shift,) = add(traffic["approver"], checkpoint, CheckpointRole.POLICE, "警员甲", 2, 8)
    elsewhere = make_user("huimin-traffic", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    c = Client()
    c.force_login(elsewhere)
    assert c.post(reverse("movement:checkpoint_shift_cancel", args=[shift.pk])).status_code == 404
    c.force_login(traffic["approver"])
    assert c.post(reverse("movement:checkpoint_shift_cancel", args=[shift.pk])).status_code == 302
    assert not CheckpointShift.objects.exists()
