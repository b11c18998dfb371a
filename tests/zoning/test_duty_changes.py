"""4+N duty: changing and cancelling a shift, taking a person off the roster. A shift to come may be
moved (the same overlap rule as adding one) or deleted; one under way keeps its start and is ended
now only when confirmed (the record stays); an ended one is a record, refused. Each change audited,
zoning.duty and a grant on the compound required. The clock is moved to fixed Beijing times."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.zoning.choices import DutyRole
from fangkong.zoning.duty import compound_gaps, duty_board, roster
from fangkong.zoning.events import ZoningEvent
from fangkong.zoning.models import DutyPost, DutyShift
from fangkong.zoning.services.duty import duty_post_remove, duty_shift_change, duty_shift_remove, duty_shifts_add

from .conftest import day
from .test_duty import roster as make_roster
from .test_duty import sealed  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def guard(users, city, sealed, at):  # noqa: F811
    at(day(1, 12))
    return make_roster(users["street"], city.home.compound)[DutyRole.SECURITY]


def test_a_shift_to_come_is_moved_with_the_overlap_rule_and_audited(users, guard):
    office = users["street"]
    first, second = duty_shifts_add(actor=office, post=guard, starts_at=day(2, 8), ends_at=day(2, 20), days=2)
    # onto the next day's shift of the same person: refused naming the field, nothing written
    with pytest.raises(DomainError) as refused:
        duty_shift_change(actor=office, shift=first, starts_at=day(3, 7), ends_at=day(3, 12))
    assert refused.value.field == "starts_at" and refused.value.rule == "zoning.duty_overlap"
    first.refresh_from_db()
    assert (first.starts_at, first.ends_at) == (day(2, 8), day(2, 20))
    # within its own old span: no clash with itself
    duty_shift_change(actor=office, shift=first, starts_at=day(2, 10), ends_at=day(2, 22))
    first.refresh_from_db()
    assert (first.starts_at, first.ends_at) == (day(2, 10), day(2, 22))
    event = AuditEvent.objects.get(event_type=ZoningEvent.DUTY_SHIFT_CHANGED)
    assert event.actor_id == office.pk
    with pytest.raises(DomainError) as past:
        duty_shift_change(actor=office, shift=second, starts_at=day(1, 6), ends_at=day(1, 10))
    assert past.value.field == "starts_at"


def test_a_shift_under_way_keeps_its_start_and_is_ended_only_when_confirmed(users, guard, at):
    office = users["street"]
    (shift,) = duty_shifts_add(actor=office, post=guard, starts_at=day(1, 8), ends_at=day(1, 20))
    with pytest.raises(DomainError) as moved:
        duty_shift_change(actor=office, shift=shift, starts_at=day(1, 9), ends_at=day(1, 20))
    assert moved.value.field == "starts_at"
    duty_shift_change(actor=office, shift=shift, starts_at=day(1, 8), ends_at=day(1, 22))  # a longer shift: fine
    with pytest.raises(DomainError) as unconfirmed:
        duty_shift_remove(actor=office, shift=shift)
    assert unconfirmed.value.field == "confirm"
    assert DutyShift.objects.get(pk=shift.pk).ends_at == day(1, 22)
    kept = duty_shift_remove(actor=office, shift=shift, confirm_under_way=True)
    assert kept is not None and kept.ends_at == day(1, 12)  # ended now, the record kept
    gaps = compound_gaps([guard.compound_id])[guard.compound_id]
    assert any(g.role == DutyRole.SECURITY and g.starts_at == day(1, 12) for g in gaps)
    # ended: a record, neither changed nor cancelled
    at(day(1, 13))
    for attempt in (
        lambda: duty_shift_remove(actor=office, shift=kept, confirm_under_way=True),
        lambda: duty_shift_change(actor=office, shift=kept, starts_at=day(1, 8), ends_at=day(1, 20)),
    ):
        with pytest.raises(DomainError) as record:
            attempt()
        assert record.value.rule == "zoning.duty_shift_record"
    assert AuditEvent.objects.filter(event_type=ZoningEvent.DUTY_SHIFT_REMOVED).count() == 1


def test_a_shift_to_come_is_deleted(users, guard):
    (shift,) = duty_shifts_add(actor=users["street"], post=guard, starts_at=day(2, 8), ends_at=day(2, 20))
    assert duty_shift_remove(actor=users["street"], shift=shift) is None
    assert not DutyShift.objects.filter(pk=shift.pk).exists()
    assert AuditEvent.objects.filter(event_type=ZoningEvent.DUTY_SHIFT_REMOVED, object_id=str(guard.pk)).exists()


def test_taking_a_person_off_the_roster(users, city, guard, at):
    office = users["street"]
    at(day(0, 12))
    duty_shifts_add(actor=office, post=guard, starts_at=day(0, 13), ends_at=day(0, 20))  # ended by day 1
    now_shift, later = duty_shifts_add(actor=office, post=guard, starts_at=day(1, 8), ends_at=day(1, 20), days=2)
    at(day(1, 12))
    with pytest.raises(DomainError) as unconfirmed:
        duty_post_remove(actor=office, post=guard)
    assert unconfirmed.value.field == "confirm"
    assert DutyPost.objects.get(pk=guard.pk).removed_at is None
    duty_post_remove(actor=office, post=guard, confirm_under_way=True)
    assert list(DutyShift.objects.filter(post=guard).order_by("starts_at").values_list("starts_at", "ends_at")) == [
        (day(0, 13), day(0, 20)),
        (day(1, 8), day(1, 12)),
    ]
    assert guard.pk not in [p.pk for p in roster(city.home.compound)]
    assert duty_board(user=office)[0].on_duty == 0  # the guard's shift ended now; nobody else has one
    with pytest.raises(DomainError):
        duty_post_remove(actor=office, post=guard, confirm_under_way=True)


def test_changes_need_the_capability_and_a_grant(users, city, guard):
    (shift,) = duty_shifts_add(actor=users["street"], post=guard, starts_at=day(2, 8), ends_at=day(2, 20))
    with pytest.raises(PermissionRefused):
        duty_shift_remove(actor=users["grid"], shift=shift)
    with pytest.raises(PermissionRefused):
        duty_post_remove(actor=users["grid"], post=guard)
    other = Client()
    other.force_login(users["other_street"]) if "other_street" in users else other.force_login(users["grid"])
    assert other.post(reverse("zoning:duty_shift_remove", args=[shift.pk])).status_code in (403, 404)
    assert DutyShift.objects.filter(pk=shift.pk).exists()


def test_pages_change_and_cancel(users, guard):
    (shift,) = duty_shifts_add(actor=users["street"], post=guard, starts_at=day(2, 8), ends_at=day(2, 20))
    office = Client()
    office.force_login(users["street"])
    page = office.get(reverse("zoning:duty_compound", args=[guard.compound_id])).content.decode()
    assert reverse("zoning:duty_shift", args=[shift.pk]) in page and reverse("zoning:duty_post_remove", args=[guard.pk]) in page
    assert office.get(reverse("zoning:duty_shift", args=[shift.pk])).status_code == 200
    bad = office.post(reverse("zoning:duty_shift", args=[shift.pk]), {"starts_at": "2022-11-12T20:00", "ends_at": "2022-11-12T08:00"})
    assert bad.status_code == 422 and "结束时间须晚于开始时间" in bad.content.decode()
    ok = office.post(reverse("zoning:duty_shift", args=[shift.pk]), {"starts_at": "2022-11-12T09:00", "ends_at": "2022-11-12T21:00"})
    assert ok.status_code == 302
    shift.refresh_from_db()
    assert shift.starts_at == day(2, 9)
    gone = office.post(reverse("zoning:duty_shift_remove", args=[shift.pk]))
    assert gone.status_code == 302 and not DutyShift.objects.filter(pk=shift.pk).exists()
