"""Shifts: sign-up limits, overlaps and field-work refusals; check-in by the point's QR code inside the
shift's window, one open check-in at a time, check-out after check-in; minutes served; no-shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from fangkong.core.errors import DomainError
from fangkong.volunteers.choices import AssignmentStatus
from fangkong.volunteers.models import Assignment
from fangkong.volunteers.services import check_in, check_out, no_shows_record, point_add, shift_assign, shift_sign_up
from fangkong.volunteers.services.shifts import served_minutes
from fangkong.volunteers.tokens import POINT_SALT, point_code

from .conftest import at_hour


def test_a_need_takes_no_more_than_its_headcount(world):
    need = world.need(at_hour(8), at_hour(12), headcount=1)
    shift_sign_up(volunteer=world.approved("甲"), need=need)
    late = world.approved("乙")
    with pytest.raises(DomainError) as refused:
        shift_sign_up(volunteer=late, need=need)
    assert "已满" in refused.value.message and refused.value.field == "need"
    assert not Assignment.objects.filter(volunteer=late).exists()


def test_overlapping_shifts_are_refused_naming_the_one_in_the_way(world):
    v = world.approved()
    shift_sign_up(volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    with pytest.raises(DomainError) as refused:
        shift_assign(actor=world.coordinator, volunteer=v, need=world.need(at_hour(11), at_hour(15)))
    assert "不能重叠" in refused.value.message and "迎宾小区核酸采样点" in refused.value.message
    assert refused.value.rule == "volunteers.shift_overlap"
    shift_sign_up(volunteer=v, need=world.need(at_hour(12), at_hour(16)))  # back to back is fine


def test_more_than_twelve_hours_a_day_is_refused(world):
    v = world.approved()
    shift_sign_up(volunteer=v, need=world.need(at_hour(8), at_hour(16)))
    with pytest.raises(DomainError) as refused:
        shift_sign_up(volunteer=v, need=world.need(at_hour(17), at_hour(22)))
    assert "12 小时" in refused.value.message


def test_field_work_needs_a_volunteer_cleared_for_it_and_not_blocked_that_day(world, isolated, office):
    desk = world.approved("文员", field_work=False)
    with pytest.raises(DomainError) as refused:
        shift_sign_up(volunteer=desk, need=world.need(at_hour(8), at_hour(12)))
    assert "一线工作" in refused.value.message
    shift_sign_up(volunteer=desk, need=world.need(at_hour(13), at_hour(17), task="data_entry"))
    v = world.approved("后来隔离")
    isolated(v.person_id)
    with pytest.raises(DomainError) as refused:
        shift_assign(actor=office, volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    assert "集中隔离" in refused.value.message and refused.value.rule == "volunteers.field_work_block"


def test_an_unapproved_volunteer_cannot_take_a_shift(world):
    with pytest.raises(DomainError) as refused:
        shift_assign(actor=world.coordinator, volunteer=world.apply(), need=world.need(at_hour(8), at_hour(12)))
    assert "尚未获批准" in refused.value.message


def test_check_in_inside_the_window_out_after_and_the_minutes_counted(world, clock):
    v = world.approved()
    shift_sign_up(volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    code = point_code(world.point)
    clock(at_hour(6, 59))
    with pytest.raises(DomainError) as refused:  # more than an hour early
        check_in(volunteer=v, code=code)
    assert refused.value.rule == "volunteers.check_in_window"
    with pytest.raises(DomainError) as refused:
        check_out(volunteer=v, code=code)
    assert "请先签到" in refused.value.message
    clock(at_hour(7, 50))
    shift = check_in(volunteer=v, code=code)
    assert shift.status == AssignmentStatus.CHECKED_IN
    with pytest.raises(DomainError) as refused:  # a second tap, or a second phone
        check_in(volunteer=v, code=code)
    assert "尚未签退" in refused.value.message
    clock(at_hour(12, 5))
    shift = check_out(volunteer=v, code=code)
    assert (shift.status, shift.minutes) == (AssignmentStatus.DONE, 255)  # 07:50 → 12:05
    assert served_minutes(at_hour(8), at_hour(8, 0)) == 0


def test_a_check_in_after_the_shift_has_ended_is_refused(world, clock):
    v = world.approved()
    shift_sign_up(volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    clock(at_hour(12, 1))
    with pytest.raises(DomainError):
        check_in(volunteer=v, code=point_code(world.point))
    assert Assignment.objects.get().checked_in_at is None


def test_a_code_of_another_point_an_expired_code_and_a_forged_one_are_refused(world, clock):
    v = world.approved()
    shift_sign_up(volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    elsewhere = point_add(actor=world.coordinator, name="物资仓库", kind="warehouse", community=world.city.home.community)
    clock(at_hour(8))
    with pytest.raises(DomainError) as refused:
        check_in(volunteer=v, code=point_code(elsewhere))
    assert refused.value.rule == "volunteers.check_in_window"
    clock(at_hour(6, days=-1))
    old = point_code(world.point)  # drawn yesterday morning: 26 hours old at 08:00
    clock(at_hour(8))
    with pytest.raises(DomainError) as refused:
        check_in(volunteer=v, code=old)
    assert "已过期" in refused.value.message
    with pytest.raises(DomainError) as refused:
        check_in(volunteer=v, code=signing.dumps(world.point.pk, salt=POINT_SALT, key="not-the-secret"))
    assert "无效" in refused.value.message
    check_in(volunteer=v, code=point_code(world.point))


def test_no_shows_are_recorded_once_the_shift_is_over(world, clock):
    need = world.need(at_hour(8), at_hour(12), headcount=3)
    came, absent = world.approved("到岗"), world.approved("缺勤")
    shift_sign_up(volunteer=came, need=need)
    shift_assign(actor=world.coordinator, volunteer=absent, need=need)
    clock(at_hour(8))
    check_in(volunteer=came, code=point_code(world.point))
    with pytest.raises(DomainError):
        no_shows_record(actor=world.coordinator, need=need)
    clock(at_hour(12) + dt.timedelta(minutes=1))
    assert no_shows_record(actor=world.coordinator, need=need) == 1
    assert Assignment.objects.get(volunteer=absent).status == AssignmentStatus.NO_SHOW
    assert Assignment.objects.get(volunteer=came).status == AssignmentStatus.CHECKED_IN


def test_a_check_in_left_open_past_its_check_out_time_does_not_block_the_next_day(world, clock):
    v = world.approved()
    shift_sign_up(volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    tomorrow = world.need(at_hour(8, days=1), at_hour(12, days=1))
    shift_sign_up(volunteer=v, need=tomorrow)
    clock(at_hour(8))
    check_in(volunteer=v, code=point_code(world.point))  # and never checked out
    clock(at_hour(16, 1))
    with pytest.raises(DomainError) as refused:
        check_out(volunteer=v, code=point_code(world.point))
    assert "补录" in refused.value.message
    clock(at_hour(7, 30, days=1))
    assert check_in(volunteer=v, code=point_code(world.point)).need == tomorrow
