"""4+N duty: the gaps of the next 24 hours (a night without police or militia is flagged, full
coverage is not), a shift overlapping the same person's refused naming the field with nothing
written, check-in only by the linked person during their shift (audited), the compound page (who is
on duty now, phones masked) and its scoping. The clock is moved to fixed Beijing times."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.zoning.choices import AreaClass, DutyRole
from fangkong.zoning.duty import compound_gaps, duty_board, on_duty
from fangkong.zoning.events import ZoningEvent
from fangkong.zoning.models import DutyPost, DutyShift
from fangkong.zoning.services import area_declare
from fangkong.zoning.services.duty import duty_check_in, duty_post_add, duty_shifts_add, user_by_username

from ..factories import make_user
from .conftest import day

PHONES = {
    DutyRole.VOLUNTEER: "13800001201",
    DutyRole.CADRE: "13800001202",
    DutyRole.SECURITY: "13800001203",
    DutyRole.POLICE_OR_MILITIA: "13800001204",
}
NAMES = {DutyRole.VOLUNTEER: "林志远", DutyRole.CADRE: "高处长", DutyRole.SECURITY: "马保国", DutyRole.POLICE_OR_MILITIA: "周警官"}


def roster(actor, compound, **kw) -> dict[str, DutyPost]:
    return {
        role: duty_post_add(actor=actor, compound=compound, role=role, name=NAMES[role], phone=PHONES[role], **kw.get(role, {}))
        for role in NAMES
    }


@pytest.fixture
def sealed(users, city, twenty):
    """The home compound's building 1 in a sealed area since day 0 (so the compound needs a roster)."""
    return area_declare(
        actor=users["command"],
        name="迎宾小区1号楼",
        area_class=AreaClass.SEALED,
        places=[("building", city.home.building.pk)],
        reason="同楼确诊",
        in_force_at=day(0, 8),
    )


def test_night_without_police_is_a_gap_and_full_coverage_is_none(users, city, sealed, at):
    at(day(1, 12))
    posts = roster(users["street"], city.home.compound)
    for role in (DutyRole.VOLUNTEER, DutyRole.CADRE, DutyRole.SECURITY):  # round the clock: 08:00 → 08:00, two days
        duty_shifts_add(actor=users["street"], post=posts[role], starts_at=day(1, 8), ends_at=day(2, 8), days=2)
    duty_shifts_add(actor=users["street"], post=posts[DutyRole.POLICE_OR_MILITIA], starts_at=day(1, 8), ends_at=day(1, 22), days=2)
    gaps = compound_gaps([city.home.compound.pk])[city.home.compound.pk]
    assert [(g.role, g.starts_at, g.ends_at) for g in gaps] == [(DutyRole.POLICE_OR_MILITIA, day(1, 22), day(2, 8))]
    assert gaps[0].night and gaps[0].label == "夜班 11-11 22:00–次日08:00 无政法干警或民兵"
    board = duty_board(user=users["street"])
    assert [(r.compound.pk, r.sealed, r.on_duty, len(r.gaps)) for r in board] == [(city.home.compound.pk, True, 4, 1)]
    # a militia member takes the night: no gap left
    militia = duty_post_add(
        actor=users["street"], compound=city.home.compound, role=DutyRole.POLICE_OR_MILITIA, name="民兵甲", phone="13800001205"
    )
    duty_shifts_add(actor=users["street"], post=militia, starts_at=day(1, 22), ends_at=day(2, 8))
    assert compound_gaps([city.home.compound.pk])[city.home.compound.pk] == []
    # nobody at all: every required role is one 24-hour gap
    assert [g.role for g in compound_gaps([city.elsewhere.compound.pk])[city.elsewhere.compound.pk]] == [
        DutyRole.VOLUNTEER,
        DutyRole.CADRE,
        DutyRole.SECURITY,
        DutyRole.POLICE_OR_MILITIA,
    ]


def test_a_shift_overlapping_the_same_persons_is_refused_and_nothing_written(users, city, sealed, at):
    at(day(1, 12))
    posts = roster(users["street"], city.home.compound)
    guard = posts[DutyRole.SECURITY]
    duty_shifts_add(actor=users["street"], post=guard, starts_at=day(3, 8), ends_at=day(3, 20))
    before = (DutyShift.objects.count(), AuditEvent.objects.count())
    with pytest.raises(DomainError) as refused:  # five days from day 1: the third overlaps
        duty_shifts_add(actor=users["street"], post=guard, starts_at=day(1, 18), ends_at=day(2, 2), days=5)
    assert refused.value.field == "starts_at" and "马保国" in refused.value.message and "11-13 08:00–20:00" in refused.value.message
    assert (DutyShift.objects.count(), AuditEvent.objects.count()) == before
    # the same person (the same phone) on a second post of the roster, entered by the community
    again = duty_post_add(
        actor=users["community"], compound=city.home.compound, role=DutyRole.OTHER, name="马保国", phone=PHONES[DutyRole.SECURITY]
    )
    with pytest.raises(DomainError) as twice:
        duty_shifts_add(actor=users["community"], post=again, starts_at=day(3, 19), ends_at=day(3, 23))
    assert twice.value.field == "starts_at"
    # back to back is not an overlap; a shift ending before it starts names its field
    assert len(duty_shifts_add(actor=users["street"], post=guard, starts_at=day(3, 20), ends_at=day(4, 8))) == 1
    with pytest.raises(DomainError) as backwards:
        duty_shifts_add(actor=users["street"], post=guard, starts_at=day(5, 8), ends_at=day(5, 7))
    assert backwards.value.field == "ends_at"


def test_post_refusals_name_their_field(users, city, sealed, at):
    at(day(1, 12))
    compound = city.home.compound
    cases = [
        ({"name": "", "phone": "13800001201"}, "name"),
        ({"name": "张三", "phone": "123"}, "phone"),
        ({"name": "张三", "phone": "", "role": DutyRole.VOLUNTEER}, "phone"),
        ({"name": "张三", "phone": "13800001201", "rank": "division"}, "rank"),
    ]
    for kw, field in cases:
        with pytest.raises(DomainError) as refused:
            duty_post_add(actor=users["street"], compound=compound, **{"role": DutyRole.VOLUNTEER, **kw})
        assert refused.value.field == field
    with pytest.raises(PermissionRefused):  # another district's compound
        duty_post_add(actor=users["street"], compound=city.elsewhere.compound, role=DutyRole.VOLUNTEER, name="张三", phone="13800001201")
    with pytest.raises(PermissionRefused):  # the grid worker keeps no roster
        duty_post_add(actor=users["grid"], compound=compound, role=DutyRole.VOLUNTEER, name="张三", phone="13800001201")
    # an account linked for check-in must reach the compound (the grid worker's grid does; another district's office does not)
    outsider = make_user("elsewhere", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    with pytest.raises(DomainError) as unreachable:
        duty_post_add(actor=users["street"], compound=compound, role=DutyRole.VOLUNTEER, name="张三", phone="13800001201", user=outsider)
    assert unreachable.value.field == "user"
    with pytest.raises(DomainError) as unknown:
        user_by_username("nobody-here")
    assert unknown.value.field == "user" and unknown.value.message.replace("nobody-here", "elsewhere") == unreachable.value.message
    # a 处级 cadre assigned to the sealed area is recorded the same way
    cadre = duty_post_add(
        actor=users["street"], compound=compound, role=DutyRole.CADRE, name="高处长", phone="13800001202", rank="division", area=sealed
    )
    assert cadre.area == sealed and cadre.get_rank_display() == "处级"
    assert [c.name for c in duty_board(user=users["street"])[0].cadres] == ["高处长"]


def test_check_in_only_by_the_linked_person_during_their_shift(users, city, sealed, at):
    at(day(1, 12))
    volunteer = duty_post_add(
        actor=users["street"], compound=city.home.compound, role=DutyRole.VOLUNTEER, name="林志远", phone="13800001201", user=users["grid"]
    )
    day_shift, night_shift = duty_shifts_add(actor=users["street"], post=volunteer, starts_at=day(1, 8), ends_at=day(1, 20), days=2)
    with pytest.raises(PermissionRefused):  # somebody else
        duty_check_in(actor=users["community"], shift=day_shift)
    with pytest.raises(DomainError) as early:  # tomorrow's shift
        duty_check_in(actor=users["grid"], shift=night_shift)
    assert early.value.field == "shift"
    phone = Client()
    phone.force_login(users["grid"])
    page = phone.get(reverse("zoning:duty_check_in")).content.decode()
    assert 'data-action="check-in"' in page and "迎宾小区" in page
    stranger = Client()
    stranger.force_login(users["community"])
    assert stranger.post(reverse("zoning:duty_check_in"), {"shift": day_shift.pk}).status_code == 404
    assert phone.post(reverse("zoning:duty_check_in"), {"shift": day_shift.pk}).status_code == 302
    day_shift.refresh_from_db()
    assert day_shift.checked_in_at == day(1, 12)
    event = AuditEvent.objects.get(event_type=ZoningEvent.DUTY_CHECKED_IN)
    assert event.actor_id == users["grid"].pk
    assert phone.post(reverse("zoning:duty_check_in"), {"shift": day_shift.pk}).status_code == 422  # once only
    at(day(2, 21))  # after the shift: too late
    with pytest.raises(DomainError):
        duty_check_in(actor=users["grid"], shift=night_shift)
    assert [s.post.name for s in on_duty(city.home.compound)] == []


def test_compound_page_shows_who_is_on_duty_phones_masked_and_refuses_gaps_in_scope(users, city, sealed, at):
    at(day(1, 23))
    office = Client()
    office.force_login(users["street"])
    url = reverse("zoning:duty_compound", args=[city.home.compound.pk])
    created = office.post(
        reverse("zoning:duty_post_create", args=[city.home.compound.pk]),
        {"role": DutyRole.SECURITY, "name": "马保国", "phone": "138 0000 1203", "rank": "", "area": "", "user": ""},
    )
    assert created.status_code == 302
    guard = DutyPost.objects.get(name="马保国")
    assert guard.phone_masked == "138******03" and "13800001203" not in guard.phone_cipher
    added = office.post(
        reverse("zoning:duty_shift_create", args=[city.home.compound.pk]),
        {"post": guard.pk, "starts_at": "2022-11-11T20:00", "ends_at": "2022-11-12T08:00", "days": 1},
    )
    assert added.status_code == 302
    overlap = office.post(
        reverse("zoning:duty_shift_create", args=[city.home.compound.pk]),
        {"post": guard.pk, "starts_at": "2022-11-12T07:00", "ends_at": "2022-11-12T12:00", "days": 1},
    )
    assert overlap.status_code == 422 and 'data-field="starts_at"' in overlap.content.decode()
    body = office.get(url).content.decode()
    assert "马保国" in body and "138******03" in body and "13800001203" not in body
    assert "data-on-duty" in body and "无政法干警或民兵" in body and "夜班" in body
    assert DutyShift.objects.count() == 1
    # another district's compound: 404, its forms too; a role without zoning.duty: 403
    assert office.get(reverse("zoning:duty_compound", args=[city.elsewhere.compound.pk])).status_code == 404
    assert office.post(reverse("zoning:duty_post_create", args=[city.elsewhere.compound.pk]), {"role": "volunteer"}).status_code == 404
    grid = Client()
    grid.force_login(users["grid"])
    assert grid.post(reverse("zoning:duty_post_create", args=[city.home.compound.pk]), {"role": "volunteer"}).status_code == 403
    listing = office.get(reverse("zoning:duty_list")).content.decode()
    assert "迎宾小区" in listing and "通顺小区" not in listing


def test_duty_page_in_english(users, city, sealed, at):
    at(day(1, 23))
    office = Client()
    office.force_login(users["street"])
    office.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = office.get(reverse("zoning:duty_compound", args=[city.home.compound.pk])).content.decode()
    assert "On duty now" in body and "Night" in body and "no Police officer or militia" in body


def test_mid_rotation_the_same_phone_on_a_post_hashed_under_the_retired_key_is_the_same_person(users, city, sealed, at):
    """Attack (FANGKONG_DATA_KEY rotation, operator guide §5b): the guard's post was written under the
    retired key; a second post for the same phone, written after the new key became current, must
    still be seen as the same person — a shift overlapping theirs is refused."""
    import base64
    import os

    from django.test import override_settings

    old, new = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    at(day(1, 12))
    with override_settings(FANGKONG_DATA_KEY=old, FANGKONG_DATA_KEYS_RETIRED=()):
        guard = duty_post_add(
            actor=users["street"], compound=city.home.compound, role=DutyRole.SECURITY, name="马保国", phone=PHONES[DutyRole.SECURITY]
        )
        duty_shifts_add(actor=users["street"], post=guard, starts_at=day(3, 8), ends_at=day(3, 20))
    with override_settings(FANGKONG_DATA_KEY=new, FANGKONG_DATA_KEYS_RETIRED=(old,)):
        again = duty_post_add(
            actor=users["community"], compound=city.home.compound, role=DutyRole.OTHER, name="马保国", phone=PHONES[DutyRole.SECURITY]
        )
        assert again.phone_hash != guard.phone_hash
        with pytest.raises(DomainError) as twice:
            duty_shifts_add(actor=users["community"], post=again, starts_at=day(3, 19), ends_at=day(3, 23))
    assert twice.value.field == "starts_at"


@pytest.mark.parametrize("read_first", [True, False], ids=["places-read-first", "subqueries"])
def test_the_board_finds_the_same_compounds_whether_the_sealed_places_are_read_first_or_not(
    users, city, sealed, at, monkeypatch, read_first
):
    """duty_board reads the sealed areas' places first when they are few (SEALED_PLACES_READ), else
    asks through subqueries: a compound held whole, through a building or unit, or by a wider
    place is found, and marked sealed, the same either way; a compound only with posts is listed
    unsealed."""
    from fangkong.zoning import duty

    monkeypatch.setattr(duty, "SEALED_PLACES_READ", 500 if read_first else 0)
    at(day(1, 12))
    assert [(r.compound.pk, r.sealed) for r in duty_board(user=users["command"])] == [(city.home.compound.pk, True)]
    DutyPost.objects.create(compound=city.elsewhere.compound, role=DutyRole.VOLUNTEER, name="林志远")  # a roster, no sealed area
    assert {(r.compound.pk, r.sealed) for r in duty_board(user=users["command"])} == {
        (city.home.compound.pk, True),
        (city.elsewhere.compound.pk, False),
    }
    area_declare(
        actor=users["command"],
        name="通顺社区",
        area_class=AreaClass.SEALED,
        places=[("community", city.elsewhere.community.pk)],
        reason="社区封控",
        in_force_at=day(1, 9),
    )
    board = duty_board(user=users["command"])
    assert {(r.compound.pk, r.sealed) for r in board} == {(city.home.compound.pk, True), (city.elsewhere.compound.pk, True)}
    assert [r.compound.pk for r in duty_board(user=users["community"])] == [city.home.compound.pk]  # the grants still apply
