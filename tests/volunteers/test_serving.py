"""The people who serve besides volunteers (issue 18 item 5): party members reporting to communities,
cadres assigned to sealed areas, police sent to the grassroots — each an assignment of a person to a
place for a period, in the seeds' figures, scoped, and put on a compound's 4+N roster through
zoning's service. Attack tests: another district's community, a role without the capability, a
roster entry by a role that may not keep rosters — each refused, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.roles import Role
from fangkong.volunteers.models import Deployment
from fangkong.volunteers.services import deployment_add, deployment_end, deployment_to_roster
from fangkong.volunteers.serving import serving_figures
from fangkong.zoning.models import DutyPost

from ..factories import make_user

pytestmark = pytest.mark.django_db
DAY = dt.date(2022, 11, 10)  # the conftest clock's Beijing day


@pytest.fixture
def office(city):
    return make_user("xc-office", Role.DISTRICT_OFFICE, [("district", city.home.district)])


def send(actor, tree, *, kind="party_member", name="党员甲", phone="13900000001", compound=None, **kw) -> Deployment:
    return deployment_add(
        actor=actor,
        kind=kind,
        name=name,
        phone=phone,
        work_unit="市委组织部",
        community=tree.community,
        compound=compound,
        starts_on=kw.pop("starts_on", DAY),
        **kw,
    )


def test_each_kind_is_a_person_at_a_place_for_a_period_and_the_figures_count_them(world, office):
    home = world.city.home
    send(office, home, name="党员甲", phone="13900000001")
    send(office, home, name="党员乙", phone="13900000002", compound=home.compound, at_residence=True)
    send(office, home, kind="cadre", name="干部丙", phone="13900000003", compound=home.compound, rank="division")
    send(office, home, kind="police", name="干警丁", phone="13900000004", ends_on=DAY + dt.timedelta(days=13))
    send(
        office,
        home,
        kind="police",
        name="干警戊",
        phone="13900000005",
        starts_on=DAY - dt.timedelta(days=5),
        ends_on=DAY - dt.timedelta(days=1),
    )
    f = serving_figures(user=office, day=DAY)
    assert (f.party_members, f.at_residence, f.cadres, f.police) == (2, 1, 1, 1)  # 干警戊's period is over
    assert (f.communities, f.compounds, f.people) == (1, 1, 4)
    assert "在岗报到党员 2 名（其中在居住地小区 1 名）、包联干部 1 名、下沉政法干警 1 名" in f.sentence
    # The other district's office sees none of them in its figures.
    other = make_user("hm-office", Role.DISTRICT_OFFICE, [("district", world.city.elsewhere.district)])
    assert serving_figures(user=other, day=DAY).people == 0


def test_bad_input_names_the_field_and_writes_nothing(world, office):
    home = world.city.home
    send(office, home, phone="13900000001", ends_on=DAY + dt.timedelta(days=6))
    cases = [
        ({"phone": "13900000001", "starts_on": DAY + dt.timedelta(days=3)}, "phone"),  # the same person, overlapping
        ({"phone": "139"}, "phone"),
        ({"phone": "13900000009", "ends_on": DAY - dt.timedelta(days=1)}, "ends_on"),
        ({"phone": "13900000009", "kind": "police", "rank": "division"}, "rank"),
        ({"phone": "13900000009", "at_residence": True}, "at_residence"),  # at residence needs the compound
        ({"phone": "13900000009", "compound": world.city.elsewhere.compound}, "compound"),
        ({"phone": "13900000009", "name": " "}, "name"),
    ]
    for kw, field in cases:
        with pytest.raises(DomainError) as exc:
            send(office, home, **kw)
        assert exc.value.field == field, (kw, exc.value.message)
    assert Deployment.objects.count() == 1
    # The same phone after the first period ended is fine.
    send(office, home, phone="13900000001", starts_on=DAY + dt.timedelta(days=7))


def test_another_districts_community_is_refused(world, office):
    with pytest.raises(PermissionRefused):
        send(office, world.city.elsewhere)
    assert not Deployment.objects.exists()


def test_a_role_without_the_capability_may_neither_send_nor_read(world, client, office):
    d = send(office, world.city.home, name="党员甲")
    supervisor = make_user("dc-supervisor", Role.SUPERVISOR, [("district", world.city.home.district)])
    with pytest.raises(PermissionRefused):
        send(supervisor, world.city.home, phone="13900000077")
    client.force_login(supervisor)
    for url in (reverse("volunteers:deployment_list"), reverse("volunteers:deployment_detail", args=[d.pk])):
        response = client.get(url)
        assert response.status_code == 403 and "党员甲" not in response.content.decode()
    response = client.post(reverse("volunteers:deployment_end", args=[d.pk]), {})
    assert response.status_code == 403
    d.refresh_from_db()
    assert d.ends_on is None


def test_pages_scope_list_detail_and_writes_to_the_grant(world, client, office):
    mine = send(office, world.city.home, name="党员甲")
    other_office = make_user("hm-office", Role.DISTRICT_OFFICE, [("district", world.city.elsewhere.district)])
    theirs = send(other_office, world.city.elsewhere, name="党员己", phone="13900000066")
    client.force_login(world.coordinator)
    body = client.get(reverse("volunteers:deployment_list")).content.decode()
    assert "党员甲" in body and "党员己" not in body and "139******01" in body and "13900000001" not in body
    assert client.get(reverse("volunteers:deployment_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("volunteers:deployment_end", args=[theirs.pk]), {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.ends_on is None
    # Out of grant by the form: a community of the other district posted is not a choice.
    response = client.post(
        reverse("volunteers:deployment_list"),
        {"kind": "police", "name": "干警庚", "phone": "13900000055", "work_unit": "公安局", "community": world.city.elsewhere.community.pk,
         "starts_on": DAY.isoformat()},
    )  # fmt: skip
    assert response.status_code == 422 and not Deployment.objects.filter(name="干警庚").exists()
    # In grant: sent, then recalled.
    response = client.post(
        reverse("volunteers:deployment_list"),
        {"kind": "police", "name": "干警庚", "phone": "13900000055", "work_unit": "公安局", "community": world.city.home.community.pk,
         "starts_on": DAY.isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    d = Deployment.objects.get(name="干警庚")
    assert client.post(reverse("volunteers:deployment_end", args=[d.pk]), {"ends_on": DAY.isoformat()}).status_code == 302
    d.refresh_from_db()
    assert d.ends_on == DAY and mine.pk != d.pk


def test_recall_ends_the_period(world, office):
    d = send(office, world.city.home)
    deployment_end(actor=office, deployment=d, ends_on=DAY + dt.timedelta(days=2))
    assert serving_figures(user=office, day=DAY + dt.timedelta(days=3)).people == 0
    with pytest.raises(DomainError) as exc:
        deployment_end(actor=office, deployment=d, ends_on=DAY + dt.timedelta(days=5))
    assert exc.value.field == "ends_on"


def test_a_cadre_at_a_compound_goes_on_its_4_plus_n_roster_through_zoning(world, office):
    home = world.city.home
    d = send(office, home, kind="cadre", name="干部丙", phone="13900000003", compound=home.compound, rank="division")
    deployment_to_roster(actor=office, deployment=d)
    d.refresh_from_db()
    post = DutyPost.objects.get(pk=d.duty_post_id)
    assert (post.role, post.name, post.rank, post.phone_masked, post.compound_id) == (
        "cadre",
        "干部丙",
        "division",
        d.phone_masked,
        home.compound.pk,
    )
    with pytest.raises(DomainError):
        deployment_to_roster(actor=office, deployment=d)  # already on it
    assert DutyPost.objects.count() == 1
    assert serving_figures(user=office, day=DAY).rostered == 1


def test_the_roster_stays_zonings_a_role_that_may_not_keep_rosters_is_refused(world):
    """The coordinator may send people (volunteers.deploy) but not keep 4+N rosters (zoning.duty):
    putting one on the roster is refused by zoning's own check and nothing is written."""
    home = world.city.home
    d = send(world.coordinator, home, kind="police", name="干警丁", phone="13900000004", compound=home.compound)
    with pytest.raises(PermissionRefused):
        deployment_to_roster(actor=world.coordinator, deployment=d)
    d.refresh_from_db()
    assert d.duty_post_id is None and not DutyPost.objects.exists()


def test_a_deployment_without_a_compound_cannot_go_on_a_roster(world, office):
    d = send(office, world.city.home)
    with pytest.raises(DomainError) as exc:
        deployment_to_roster(actor=office, deployment=d)
    assert exc.value.field == "compound"
