"""4+N duty: the overlap refusal describes only what the caller may see (security review B). It
named the clashing shift's compound, role and times wherever it was, so a community worker who put a
guessed phone on their own roster learned whether, where (a compound of another district, a 404 to
them) and when that phone's holder was on duty. Now a clash outside the caller's grants is "another
shift" — no compound, role or time; one inside them is still named. The clock is moved to fixed
Beijing times."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.zoning.choices import DutyRole
from fangkong.zoning.models import DutyPost, DutyShift
from fangkong.zoning.services.duty import duty_post_add, duty_shift_change, duty_shifts_add

from ..factories import make_user
from .conftest import day

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
GENERIC = "该人员在此时段已有其他班次"


@pytest.fixture
def far_guard(city, at):
    """A guard on duty in 回民区's 通顺小区 on 11-12 08:00–20:00, put there by that district's office."""
    at(day(1, 12))
    office = make_user("far-office", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    post = duty_post_add(actor=office, compound=city.elsewhere.compound, role=DutyRole.SECURITY, name="远方保安", phone=PHONE)
    (shift,) = duty_shifts_add(actor=office, post=post, starts_at=day(2, 8), ends_at=day(2, 20))
    return shift


def _refusal(body: str) -> str:
    return " ".join(line for line in body.splitlines() if GENERIC in line or "已有班次" in line)


def test_the_overlap_refusal_does_not_describe_a_shift_in_another_district(users, city, far_guard):
    # The attack, through the pages: a probe post with the guessed phone on my own roster, then a
    # 24-hour shift; the compound of the other district answers 404.
    worker = Client()
    worker.force_login(users["community"])
    assert worker.get(reverse("zoning:duty_compound", args=[city.elsewhere.compound.pk])).status_code == 404
    worker.post(
        reverse("zoning:duty_post_create", args=[city.home.compound.pk]),
        {"role": DutyRole.OTHER, "name": "探测", "phone": PHONE, "rank": "", "area": "", "user": ""},
    )
    probe = DutyPost.objects.get(name="探测")
    answer = worker.post(
        reverse("zoning:duty_shift_create", args=[city.home.compound.pk]),
        {"post": probe.pk, "starts_at": "2022-11-12T00:00", "ends_at": "2022-11-12T23:59", "days": 1},
    )
    body = answer.content.decode()
    assert answer.status_code == 422 and GENERIC in body and 'data-field="starts_at"' in body
    assert "通顺小区" not in body and "08:00–20:00" not in body and "保安" not in _refusal(body)
    assert not DutyShift.objects.filter(post=probe).exists()


def test_moving_a_shift_onto_it_says_no_more(users, city, far_guard):
    probe = duty_post_add(actor=users["community"], compound=city.home.compound, role=DutyRole.OTHER, name="探测", phone=PHONE)
    (mine,) = duty_shifts_add(actor=users["community"], post=probe, starts_at=day(3, 8), ends_at=day(3, 20))
    with pytest.raises(DomainError) as refused:
        duty_shift_change(actor=users["community"], shift=mine, starts_at=day(2, 6), ends_at=day(2, 9))
    assert refused.value.message == GENERIC
    assert (refused.value.field, refused.value.rule) == ("starts_at", "zoning.duty_overlap")


def test_a_clash_the_caller_may_see_is_still_named_before_one_elsewhere(users, city, far_guard):
    # The same phone also holds a shift on my roster, later that day: that one is named, the far one never.
    mine = duty_post_add(actor=users["community"], compound=city.home.compound, role=DutyRole.VOLUNTEER, name="志愿者甲", phone=PHONE)
    duty_shifts_add(actor=users["community"], post=mine, starts_at=day(2, 21), ends_at=day(2, 23))
    probe = duty_post_add(actor=users["community"], compound=city.home.compound, role=DutyRole.OTHER, name="探测", phone=PHONE)
    with pytest.raises(DomainError) as refused:
        duty_shifts_add(actor=users["community"], post=probe, starts_at=day(2, 0), ends_at=day(2, 23))
    message = refused.value.message
    assert city.home.compound.name in message and "21:00–23:00" in message and "志愿者" in message
    assert "通顺小区" not in message and "08:00–20:00" not in message
    # the other district's office, whose grant holds the far compound, is told where and when
    far_office = make_user("far-office-2", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    again = duty_post_add(actor=far_office, compound=city.elsewhere.compound, role=DutyRole.OTHER, name="再排", phone=PHONE)
    with pytest.raises(DomainError) as named:
        duty_shifts_add(actor=far_office, post=again, starts_at=day(2, 7), ends_at=day(2, 9))
    assert "通顺小区" in named.value.message and "08:00–20:00" in named.value.message
