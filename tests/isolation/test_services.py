"""Services: sites and rooms, opening and check-in with their refusals, room rules, inbound travellers,
the daily checklist and incidents."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.isolation import events
from fangkong.isolation.choices import (
    ArrivalMode,
    ChecklistGap,
    EpisodeKind,
    EpisodeStatus,
    HandoverStatus,
    IncidentKind,
    RoomType,
    StayEnd,
    TestPhase,
    TransportMode,
)
from fangkong.isolation.models import Handover, IsolationEpisode, Room, RoomStay, ScheduledTest, SiteDailyChecklist
from fangkong.isolation.services import (
    RoomSpec,
    checklist_record,
    episode_check_in,
    episode_open,
    episode_transit,
    handover_confirm,
    inbound_register,
    incident_record,
    incident_resolve,
    release_order,
    room_assign,
    room_create_many,
    rooms_by_floor,
    site_create,
    test_record,
)
from fangkong.results.choices import Result

from ..factories import make_person, make_user
from .factories import BEIJING, local, make_site, open_and_check_in, record_central, room, use_profile

T = local(2022, 11, 14, 10)


# ---- sites and rooms ----


def test_site_with_rooms_numbered_by_floor(city, users, profile):
    site = site_create(actor=users["district"], name="假日酒店", community=city.home.community, capacity=60)
    created = room_create_many(actor=users["district"], site=site, rooms=rooms_by_floor(range(3, 6), 20, room_type=RoomType.DOUBLE))
    assert len(created) == 60 and created[0].number == "301" and created[-1].number == "520"
    assert {r.capacity for r in created} == {2}
    assert site.district_id == city.home.district.pk and site.street_id == city.home.street.pk
    assert AuditEvent.objects.filter(event_type=events.ROOMS_CREATED, count=60).exists()


def test_rooms_are_all_or_nothing(setup, users):
    with pytest.raises(DomainError) as exc:
        room_create_many(actor=users["command"], site=setup.site, rooms=[RoomSpec("601"), RoomSpec("301"), RoomSpec("602", capacity=0)])
    assert "301" in exc.value.message and "第 3 行" in exc.value.message
    assert not Room.objects.filter(number__in=["601", "602"]).exists()


def test_a_district_office_creates_sites_only_in_its_district(city, users, profile):
    with pytest.raises(PermissionRefused):
        site_create(actor=users["district"], name="外区酒店", community=city.elsewhere.community)
    with pytest.raises(PermissionRefused):
        site_create(actor=users["community"], name="社区酒店", community=city.home.community)


# ---- opening: the same-day deadline, one open episode per person ----


def test_a_close_contact_must_be_isolated_the_same_day(setup, users):
    episode = episode_open(
        actor=users["command"], person=setup.family[0], kind=EpisodeKind.CLOSE_CONTACT, identified_at=local(2022, 11, 30, 22)
    )
    assert episode.status == EpisodeStatus.AWAITING_TRANSFER
    assert episode.isolate_by == dt.datetime(2022, 12, 1, tzinfo=BEIJING)
    assert "contact.isolation_deadline = same_day" in episode.isolate_by_rule and "内蒙古日报 2022-11-15" in episode.isolate_by_rule
    assert "seed" not in episode.isolate_by_rule  # the seed pages label stays out of what users read
    assert (episode.district_id, episode.community_id, episode.household_id) == (
        setup.family[0].district_id,
        setup.family[0].community_id,
        setup.family[0].household_id,
    )
    assert episode.party == f"household:{setup.family[0].household_id}"


def test_one_open_episode_per_person(setup, users):
    episode_open(actor=users["command"], person=setup.family[0], kind=EpisodeKind.CLOSE_CONTACT, identified_at=T)
    with pytest.raises(DomainError) as exc:
        episode_open(actor=users["command"], person=setup.family[0], kind=EpisodeKind.CLOSE_CONTACT, identified_at=T)
    assert exc.value.rule == "isolation.one_open_episode"
    assert IsolationEpisode.objects.filter(person=setup.family[0]).count() == 1


def test_opening_needs_the_role_and_the_person_in_jurisdiction(setup, users):
    with pytest.raises(PermissionRefused):
        episode_open(actor=users["community"], person=setup.family[0], kind=EpisodeKind.CLOSE_CONTACT)
    with pytest.raises(PermissionRefused) as exc:
        episode_open(actor=users["district"], person=setup.elsewhere, kind=EpisodeKind.CLOSE_CONTACT)
    assert exc.value.rule == "isolation.person_scope"


# ---- check-in and rooms ----


def test_a_household_shares_a_room_and_strangers_never_mix(setup, users):
    a, b = setup.family
    double = room(setup.site, "401")
    open_and_check_in(users["command"], a, double, identified_at=T, checked_in_at=T + dt.timedelta(hours=2))
    stranger = episode_open(actor=users["command"], person=setup.stranger, kind=EpisodeKind.CLOSE_CONTACT, identified_at=T)
    with pytest.raises(DomainError) as exc:
        episode_check_in(actor=setup.site_user, episode=stranger, room=double, at=T + dt.timedelta(hours=3))
    assert exc.value.rule == "isolation.room_one_party"
    stranger.refresh_from_db()
    assert stranger.status == EpisodeStatus.AWAITING_TRANSFER and not stranger.tests.exists()
    open_and_check_in(users["command"], b, double, identified_at=T, checked_in_at=T + dt.timedelta(hours=3))
    assert RoomStay.objects.filter(room=double, ended_at__isnull=True).count() == 2


def test_a_room_is_never_filled_over_capacity(setup, users):
    a, b = setup.family
    single = room(setup.site, "301")
    open_and_check_in(users["command"], a, single, identified_at=T, checked_in_at=T)
    other = episode_open(actor=users["command"], person=b, kind=EpisodeKind.CLOSE_CONTACT, identified_at=T)
    with pytest.raises(DomainError) as exc:
        episode_check_in(actor=setup.site_user, episode=other, room=single, at=T)
    assert exc.value.rule == "isolation.room_capacity"


def test_a_travelling_group_may_share_when_given_one_party(setup, users):
    family_room = room(setup.site, "501")
    for p in setup.lone[:2]:
        ep = episode_open(actor=users["command"], person=p, kind=EpisodeKind.CLOSE_CONTACT, identified_at=T, party="group:同车返呼")
        episode_check_in(actor=setup.site_user, episode=ep, room=family_room, at=T)
    assert RoomStay.objects.filter(room=family_room, ended_at__isnull=True).count() == 2


def test_check_in_of_a_person_already_isolated_elsewhere_is_refused(setup, users):
    episode = open_and_check_in(users["command"], setup.family[0], room(setup.site, "301"), identified_at=T, checked_in_at=T)
    with pytest.raises(DomainError) as exc:
        episode_check_in(actor=users["command"], episode=episode, room=room(setup.other_site, "301"), at=T)
    assert exc.value.rule == "isolation.one_open_stay" and setup.site.name in exc.value.message
    assert RoomStay.objects.filter(person=setup.family[0]).count() == 1


def test_a_central_test_is_not_sampled_before_check_in(setup, users):
    """Issue 13: the sampling time of a central test may not come before the check-in (day 1 is its day)."""
    episode = open_and_check_in(
        users["command"], setup.family[0], room(setup.site, "301"), identified_at=T, checked_in_at=T + dt.timedelta(hours=4)
    )
    day1 = ScheduledTest.objects.get(episode=episode, phase=TestPhase.CENTRAL, day_number=1)
    assert day1.due_date == (T + dt.timedelta(hours=4)).date()  # the check-in day: the morning is "on its day"
    with pytest.raises(DomainError) as exc:
        test_record(actor=users["command"], test=day1, result=Result.NEGATIVE, sampled_at=T + dt.timedelta(hours=1))
    assert exc.value.field == "sampled_at" and exc.value.rule == "time.order" and "入住时间" in exc.value.message
    test_record(actor=users["command"], test=day1, result=Result.NEGATIVE, sampled_at=T + dt.timedelta(hours=5))


def test_check_in_at_another_site_than_the_transfer_is_refused(setup, users):
    episode = episode_open(actor=users["command"], person=setup.family[0], kind=EpisodeKind.CLOSE_CONTACT, identified_at=T)
    episode_transit(actor=users["command"], episode=episode, site=setup.site, at=T + dt.timedelta(hours=1))
    with pytest.raises(DomainError) as exc:
        episode_check_in(actor=setup.other_site_user, episode=episode, room=room(setup.other_site, "301"), at=T)
    assert exc.value.rule == "isolation.site_assignment"


def test_site_staff_check_in_only_at_their_own_site(setup, users):
    episode = episode_open(actor=users["command"], person=setup.family[0], kind=EpisodeKind.CLOSE_CONTACT, identified_at=T)
    with pytest.raises(PermissionRefused) as exc:
        episode_check_in(actor=setup.site_user, episode=episode, room=room(setup.other_site, "301"), at=T)
    assert exc.value.rule == "isolation.site_scope"


def test_check_in_records_whether_the_deadline_was_met(setup, users):
    late = open_and_check_in(
        users["command"],
        setup.family[0],
        room(setup.site, "301"),
        identified_at=local(2022, 11, 14, 20),
        checked_in_at=local(2022, 11, 15, 1),
    )
    event = AuditEvent.objects.get(event_type=events.CHECKED_IN, object_id=str(late.pk))
    # one person is a batch of one (services.checkin): the same counts as a site's batch
    assert (event.count, event.after["within_deadline"], event.after["late"]) == (1, 0, 1)
    assert late.isolate_by == dt.datetime(2022, 11, 15, tzinfo=BEIJING)


def test_moving_a_person_to_another_room(setup, users):
    episode = open_and_check_in(users["command"], setup.family[0], room(setup.site, "301"), identified_at=T, checked_in_at=T)
    stay = room_assign(actor=setup.site_user, episode=episode, room=room(setup.site, "302"), at=T + dt.timedelta(hours=5))
    assert stay.room.number == "302"
    assert RoomStay.objects.get(episode=episode, room__number="301").end_reason == StayEnd.MOVED
    with pytest.raises(DomainError):
        room_assign(actor=setup.site_user, episode=episode, room=room(setup.other_site, "303"))


# ---- inbound travellers ----


@pytest.fixture
def port_site(city, users, profile):
    return make_site(
        users["command"],
        city.home.community,
        name="白塔机场入境人员隔离点",
        rooms=[RoomSpec("101"), RoomSpec("102")],
        receives_inbound=True,
    )


def register(users, person, port_site, community=None, destination="", arrived=T):
    return inbound_register(
        actor=users["command"],
        person=person,
        mode=ArrivalMode.FLIGHT,
        number="CA910",
        origin="法兰克福",
        port_of_entry="呼和浩特白塔国际机场",
        arrived_at=arrived,
        entry_site=port_site,
        destination=destination,
        destination_community=community,
    )


def test_inbound_5_plus_3_at_the_entry_point_then_closed_loop_to_the_destination(setup, users, city, port_site):
    traveller = make_person(None, "归国留学生")
    arrival = register(users, traveller, port_site, community=city.elsewhere.community)
    episode = arrival.episode
    assert episode.kind == EpisodeKind.INBOUND and episode.site == port_site
    assert episode.community_id == city.elsewhere.community.pk  # the destination sees the traveller coming
    assert "inbound.isolation_deadline" in episode.isolate_by_rule
    assert arrival.second_quarantine_at_destination is False and "二十条" in arrival.second_quarantine_rule
    episode_check_in(actor=users["command"], episode=episode, room=room(port_site, "101"), at=T + dt.timedelta(hours=2))
    episode.refresh_from_db()
    assert (episode.central_days, episode.home_days) == (5, 3)
    record_central(users["command"], episode)
    release_order(
        actor=users["command"], episode=episode, at=local(2022, 11, 19, 9), transport_mode=TransportMode.COACH, vehicle="蒙A·12345"
    )
    handover = Handover.objects.get(episode=episode)
    assert handover.to_community_id == city.elsewhere.community.pk and handover.transport_mode == TransportMode.COACH
    with pytest.raises(PermissionRefused):  # the home community of the city fixture is not the destination
        handover_confirm(
            actor=users["community"],
            handover=handover,
            at=local(2022, 11, 19, 12),
            receiver_name="社区 李书记",
            receiver_phone="13800000000",
        )
    receiver = make_user("huimin", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    handover_confirm(
        actor=receiver, handover=handover, at=local(2022, 11, 19, 12), receiver_name="社区 李书记", receiver_phone="13800000000"
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.HANDED_OVER
    # No second quarantine at the destination under the 20 measures: a refusal naming the rule.
    with pytest.raises(DomainError) as exc:
        episode_open(actor=users["command"], person=traveller, kind=EpisodeKind.INBOUND, identified_at=local(2022, 11, 19, 13))
    assert exc.value.rule == "inbound.second_quarantine_at_destination"


def test_inbound_to_another_city_is_handed_to_the_named_receiver(setup, users, port_site):
    traveller = make_person(None, "过境旅客")
    arrival = register(users, traveller, port_site, destination="包头市昆都仑区")
    episode = arrival.episode
    assert episode.community_id is None
    episode_check_in(actor=users["command"], episode=episode, room=room(port_site, "101"), at=T)
    record_central(users["command"], episode)
    release_order(actor=users["command"], episode=episode, at=local(2022, 11, 19, 9), transport_mode=TransportMode.RAIL, vehicle="K1234")
    handover = Handover.objects.get(episode=episode)
    assert handover.to_locality == "包头市昆都仑区"
    with pytest.raises(DomainError) as exc:
        handover_confirm(actor=users["command"], handover=handover, at=local(2022, 11, 19, 15))
    assert exc.value.rule == "isolation.handover_receiver"
    handover_confirm(
        actor=users["command"],
        handover=handover,
        at=local(2022, 11, 19, 15),
        receiver_name="包头市昆区防控办 张三",
        receiver_phone="0472-5123456",
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.COMPLETED and handover.status == HandoverStatus.PENDING  # stale object
    assert Handover.objects.get(pk=handover.pk).status == HandoverStatus.CONFIRMED


def test_where_the_policy_requires_it_the_destination_quarantines_again(setup, users, city, port_site):
    use_profile("early-2020")
    traveller = make_person(None, "入境人员")
    arrival = register(users, traveller, port_site, community=city.home.community, arrived=local(2020, 2, 1, 10))
    assert arrival.second_quarantine_at_destination is True
    episode = arrival.episode
    episode_check_in(actor=users["command"], episode=episode, room=room(port_site, "101"), at=local(2020, 2, 1, 12))
    record_central(users["command"], episode)
    release_order(actor=users["command"], episode=episode, at=local(2020, 2, 15, 9))
    handover_confirm(
        actor=users["community"],
        handover=Handover.objects.get(episode=episode),
        at=local(2020, 2, 15, 12),
        receiver_name="社区 李书记",
        receiver_phone="13800000000",
    )
    episode.refresh_from_db()
    assert episode.status == EpisodeStatus.COMPLETED
    again = IsolationEpisode.objects.get(person=traveller, status=EpisodeStatus.AWAITING_TRANSFER)
    assert again.kind == EpisodeKind.INBOUND and again.community_id == city.home.community.pk and "CA910" in again.source


def test_inbound_needs_a_site_that_receives_inbound_travellers(setup, users):
    with pytest.raises(DomainError) as exc:
        register(users, make_person(None, "旅客"), setup.site, destination="赛罕区")
    assert exc.value.rule == "isolation.inbound_site"


# ---- internal management ----


def test_checklist_flags_gaps_against_occupied_rooms(setup, users):
    open_and_check_in(users["command"], setup.family[0], room(setup.site, "301"), identified_at=T, checked_in_at=T)
    open_and_check_in(users["command"], setup.lone[0], room(setup.site, "302"), identified_at=T, checked_in_at=T)
    c = checklist_record(
        actor=setup.site_user,
        site=setup.site,
        day=dt.date(2022, 11, 14),
        cleaning_done=True,
        disinfection_done=False,
        meals_breakfast_rooms=0,
        meals_lunch_rooms=2,
        meals_dinner_rooms=1,
        staff_on_duty=12,
        staff_health_checked=12,
    )
    assert c.occupied_rooms == 2
    codes = [g["code"] for g in c.gaps]
    assert codes == [ChecklistGap.DISINFECTION, ChecklistGap.MEALS]
    assert "晚餐 1/2" in c.gaps[1]["detail"]
    # Filled in again later in the day: the same row, gaps recomputed.
    c = checklist_record(
        actor=setup.site_user,
        site=setup.site,
        day=dt.date(2022, 11, 14),
        cleaning_done=True,
        disinfection_done=True,
        meals_breakfast_rooms=2,
        meals_lunch_rooms=2,
        meals_dinner_rooms=2,
        staff_on_duty=12,
        staff_health_checked=12,
    )
    assert c.gaps == [] and SiteDailyChecklist.objects.filter(site=setup.site).count() == 1
    with pytest.raises(PermissionRefused):
        checklist_record(actor=setup.other_site_user, site=setup.site, cleaning_done=True, disinfection_done=True)


def test_incidents_are_recorded_and_resolved(setup, users):
    episode = open_and_check_in(users["command"], setup.family[0], room(setup.site, "301"), identified_at=T, checked_in_at=T)
    incident = incident_record(
        actor=setup.site_user,
        site=setup.site,
        kind=IncidentKind.LEFT_ROOM,
        description="301 房间人员擅自进入走廊",
        occurred_at=T + dt.timedelta(hours=3),
        room=room(setup.site, "301"),
        episode=episode,
    )
    with pytest.raises(DomainError):
        incident_record(
            actor=setup.site_user, site=setup.site, kind=IncidentKind.OTHER, description="x", room=room(setup.other_site, "301")
        )
    incident_resolve(actor=setup.site_user, incident=incident, resolution="劝返房间，走廊消杀", at=T + dt.timedelta(hours=4))
    with pytest.raises(DomainError) as exc:
        incident_resolve(actor=setup.site_user, incident=incident, resolution="again", at=T + dt.timedelta(hours=5))
    assert exc.value.rule == "isolation.incident_once"
