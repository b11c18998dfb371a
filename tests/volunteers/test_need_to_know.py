"""Need-to-know in the volunteers module (security review A): each test performs an attack that worked
before the fix.

- A coordinator (no geo.view_people, isolation.view or cases.view) typed anyone's ID number into the
  public form, verified it, and read the person's isolation status, positive result or home risk area
  on the volunteer page, the need page and the approval refusal; an organisation's coordinator too.
  Now a number is matched only among the people of the actor's places, as a counted, audited search
  by full number, and a block's reason names the status only to whom may see it elsewhere.
- A deployment refused for an overlapping period named another district's community and date.
- The volunteer import told whether a number is a volunteer anywhere in the city.
- The volunteer name search put the name in the URL (?q=).
- Field work was blocked by a fixed list of area classes, not the policy's rule that bars leaving.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.core.rows import RowsRefused
from fangkong.geo import person_states
from fangkong.movement import eligibility as departure
from fangkong.movement.choices import DepartureRule
from fangkong.results.history import TestEntry, sources
from fangkong.volunteers.choices import VolunteerStatus
from fangkong.volunteers.fitness import field_work_block, neutral_reason
from fangkong.volunteers.models import Deployment, Volunteer
from fangkong.volunteers.services import (
    deployment_add,
    personal_link_issue,
    shift_assign,
    volunteer_approve,
    volunteer_verify,
    volunteers_import,
)
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.rules import naming
from fangkong.zoning.services import area_declare

from ..factories import make_person, make_user, next_id_number
from ..isolation.factories import use_profile
from .conftest import DAY0, at_hour

pytestmark = pytest.mark.django_db


def _public_form(client, world, number: str, name: str = "随便", **extra) -> Volunteer:
    data = {
        "name": name,
        "id_number": number,
        "phone": "13912345678",
        "community": str(world.city.home.community.pk),
        "availability": "any",
        **extra,
    }
    assert client.post(reverse("volunteers:apply"), data).status_code == 302
    return Volunteer.objects.get(name=name)


# ---- 1. the registry and the health status through verification ----


def test_a_coordinator_cannot_match_a_person_of_another_district_and_read_their_status(client, world, isolated):
    """The review's attack: 新城区's coordinator applies with a 回民区 resident's number, verifies, and
    used to read "已匹配" and "集中隔离" on the volunteer page."""
    number = next_id_number(world.city.elsewhere.district.code)
    victim = make_person(world.city.elsewhere.household, "受害人", id_number=number)
    isolated(victim.pk)
    v = _public_form(client, world, number)
    client.force_login(world.coordinator)
    assert client.get(reverse("geo:person", args=[victim.pk])).status_code in (403, 404)
    assert client.post(reverse("volunteers:volunteer_verify", args=[v.pk])).status_code == 302
    v.refresh_from_db()
    assert v.person_id is None and v.status == VolunteerStatus.VERIFIED
    body = client.get(reverse("volunteers:volunteer_detail", args=[v.pk])).content.decode()
    assert "已匹配" not in body and "集中隔离" not in body
    assert "您辖区的人口登记库中未找到此证件号码" in body
    refused = client.post(reverse("volunteers:volunteer_approve", args=[v.pk]), {"field_work": "on"})
    assert refused.status_code == 422 and "集中隔离" not in refused.content.decode()


def test_a_coordinator_granted_only_an_organisation_matches_nobody(client, world, isolated):
    number = next_id_number()
    resident = make_person(world.city.home.household, "居民", id_number=number)
    isolated(resident.pk)
    v = _public_form(client, world, number, organisation=str(world.organisation.pk))
    v = volunteer_verify(actor=world.org_coordinator, volunteer=v)
    assert v.person_id is None
    client.force_login(world.org_coordinator)
    body = client.get(reverse("volunteers:volunteer_detail", args=[v.pk])).content.decode()
    assert "已匹配" not in body and "集中隔离" not in body


def test_verifying_is_a_counted_and_audited_search_by_full_number(client, world, settings):
    """An import of candidate numbers, each verified, was a registry look-up outside the number-search
    limit: now every verification counts, is audited without the number, and is refused past the limit."""
    settings.FANGKONG_NUMBER_SEARCH_LIMITS = ((2, 600),)
    numbers = [next_id_number() for _ in range(3)]
    volunteers_import(
        actor=world.coordinator,
        rows=[{"name": f"探针{i}", "id_number": n, "phone": "13912345678", "community": world.city.home.community.name}
              for i, n in enumerate(numbers)],
    )  # fmt: skip
    client.force_login(world.coordinator)
    probes = list(Volunteer.objects.order_by("pk"))
    for v in probes[:2]:
        assert client.post(reverse("volunteers:volunteer_verify", args=[v.pk])).status_code == 302
    refused = client.post(reverse("volunteers:volunteer_verify", args=[probes[2].pk]))
    assert refused.status_code == 429 and "过于频繁" in refused.content.decode()
    assert Volunteer.objects.get(pk=probes[2].pk).status == VolunteerStatus.APPLIED  # nothing written
    searched = AuditEvent.objects.filter(event_type="geo.number_searched", actor=world.coordinator).order_by("pk")
    assert [(e.after["where"], e.after["refused"]) for e in searched] == [("volunteers.verify", False)] * 2 + [("volunteers.verify", True)]
    assert not any(n in str(e.after) + e.object_repr for e in searched for n in numbers)


def _isolated_block(monkeypatch, isolated, person_id):
    isolated(person_id)


def _positive_block(monkeypatch, isolated, person_id):
    entry = TestEntry(person_id, DAY0.replace(hour=1), DAY0.replace(hour=2), "positive", "test", "测试")
    monkeypatch.setitem(sources.fetchers, "test", lambda ids, before: [entry] if person_id in ids else [])


def _sealed_block(monkeypatch, isolated, person_id):
    command = make_user("zhb-sealed", Role.COMMAND_CENTRE, [("city", None)])
    from fangkong.geo.models import Person

    building = Person.objects.get(pk=person_id).household.building_id
    area_declare(actor=command, name="迎宾小区1号楼", area_class=AreaClass.SEALED, places=[("building", building)], reason="阳性")


@pytest.mark.parametrize(
    ("block", "detail"),
    [(_isolated_block, "集中隔离"), (_positive_block, "阳性"), (_sealed_block, "迎宾小区1号楼")],
    ids=["isolated", "positive", "sealed"],
)
def test_a_block_names_the_status_only_to_whom_may_see_it(world, office, isolated, monkeypatch, block, detail):
    """A resident of the coordinator's own district: the match is theirs to make, the status is not
    (no isolation.view, cases.view, geo.view_people). The rule refuses the same; the words differ."""
    number = next_id_number()
    resident = make_person(world.city.home.household, "居民", id_number=number)
    v = volunteer_verify(actor=world.coordinator, volunteer=world.apply("居民", id_number=number))
    assert v.person_id == resident.pk
    block(monkeypatch, isolated, resident.pk)
    with pytest.raises(DomainError) as told:
        volunteer_approve(actor=world.coordinator, volunteer=v, field_work=True)
    assert neutral_reason() in told.value.message and detail not in told.value.message
    assert told.value.rule == "volunteers.field_work_block"
    with pytest.raises(DomainError) as shown:
        volunteer_approve(actor=office, volunteer=v, field_work=True)
    assert detail in shown.value.message and neutral_reason() not in shown.value.message


def test_the_pages_and_the_volunteers_own_sign_up_tell_the_block_without_the_status(client, world, office, isolated):
    v = world.approved("后来隔离")
    need = world.need(at_hour(8), at_hour(12))
    shift_assign(actor=world.coordinator, volunteer=v, need=need)
    isolated(v.person_id)
    client.force_login(world.coordinator)
    for url in (reverse("volunteers:volunteer_detail", args=[v.pk]), reverse("volunteers:need_detail", args=[need.pk])):
        body = client.get(url).content.decode()
        assert "data-block" in body and neutral_reason() in body and "集中隔离" not in body, url
    refused = client.post(reverse("volunteers:volunteer_approve", args=[v.pk]), {"field_work": "on"})
    assert refused.status_code == 422 and "集中隔离" not in refused.content.decode()
    with pytest.raises(DomainError) as assigned:
        shift_assign(actor=world.coordinator, volunteer=v, need=world.need(at_hour(13), at_hour(17)))
    assert "集中隔离" not in assigned.value.message
    # The personal link (issued by the coordinator, who may open it): the volunteer's own page.
    token = personal_link_issue(actor=world.coordinator, volunteer=v)
    client.logout()
    client.get(reverse("volunteers:personal_link", args=[token]))
    later = world.need(at_hour(8, days=1), at_hour(12, days=1))
    page = client.post(reverse("volunteers:me_sign_up"), {"need": later.pk}, follow=True).content.decode()
    assert neutral_reason() in page and "集中隔离" not in page
    # The district office holds what shows the status elsewhere, the person in its places.
    client.force_login(office)
    assert "集中隔离" in client.get(reverse("volunteers:need_detail", args=[need.pk])).content.decode()


def test_a_match_made_by_someone_else_is_not_described_outside_the_viewers_places(world, isolated):
    """A volunteer who applied to a 新城区 community but lives in 回民区, matched by a city-wide
    coordinator: 回民区's person is not 新城区's office's to describe, though the volunteer is theirs."""
    city_wide = make_user("shi-xietiao", Role.VOLUNTEER_COORDINATOR, [("city", None)])
    home_office = make_user("xc-ban", Role.DISTRICT_OFFICE, [("district", world.city.home.district)])
    their_office = make_user("hm-ban", Role.DISTRICT_OFFICE, [("district", world.city.elsewhere.district)])
    number = next_id_number(world.city.elsewhere.district.code)
    resident = make_person(world.city.elsewhere.household, "外区居民", id_number=number)
    v = volunteer_verify(actor=city_wide, volunteer=world.apply("外区居民", id_number=number))
    assert v.person_id == resident.pk
    isolated(resident.pk)
    assert "集中隔离" in field_work_block(v, DAY0, user=their_office)
    assert field_work_block(v, DAY0, user=home_office) == field_work_block(v, DAY0, user=city_wide) == neutral_reason()


# ---- 2. the deployment refusal ----


def test_a_deployment_refusal_does_not_name_another_districts_deployment(world):
    home_office = make_user("xc-office", Role.DISTRICT_OFFICE, [("district", world.city.home.district)])
    other_office = make_user("hm-office", Role.DISTRICT_OFFICE, [("district", world.city.elsewhere.district)])
    day = dt.date(2022, 11, 10)
    deployment_add(actor=other_office, kind="police", name="干警某", phone="13912340000", work_unit="公安局",
                   community=world.city.elsewhere.community, starts_on=day)  # fmt: skip
    with pytest.raises(DomainError) as refused:
        deployment_add(actor=home_office, kind="party_member", name="试探", phone="13912340000", work_unit="x",
                       community=world.city.home.community, starts_on=day)  # fmt: skip
    message = refused.value.message
    assert world.city.elsewhere.community.name not in message and day.isoformat() not in message
    assert "已有下沉安排" in message and refused.value.rule == "volunteers.deployment_overlap"
    api = APIClient()
    api.force_authenticate(home_office)
    posted = api.post(
        "/api/volunteers/serving/",
        {"kind": "party_member", "name": "试探", "phone": "13912340000", "work_unit": "x",
         "community": world.city.home.community.pk, "starts_on": day.isoformat()},
        format="json",
    )  # fmt: skip
    assert posted.status_code == 400 and world.city.elsewhere.community.name not in posted.content.decode()
    assert Deployment.objects.count() == 1  # the city-wide uniqueness holds
    with pytest.raises(DomainError) as named:  # whoever may see the other deployment is told where it is
        deployment_add(actor=other_office, kind="party_member", name="试探", phone="13912340000", work_unit="x",
                       community=world.city.elsewhere.community, starts_on=day)  # fmt: skip
    assert world.city.elsewhere.community.name in named.value.message


# ---- 3. the import as an oracle of who volunteers ----


def test_the_import_does_not_tell_whether_a_number_is_a_volunteer_elsewhere(world):
    number = next_id_number(world.city.elsewhere.district.code)
    theirs = world.apply("回民区志愿者", tree=world.city.elsewhere, id_number=number)
    home = world.city.home
    probe = {"name": "探针", "id_number": number, "phone": "13912345678", "community": home.community.name}
    bad = {"name": "坏行", "id_number": next_id_number(), "phone": "1", "community": home.community.name}
    with pytest.raises(RowsRefused) as refused:  # a bad row makes the file refused: the probe row is not named
        volunteers_import(actor=world.coordinator, rows=[probe, bad])
    assert [(e.row, e.field) for e in refused.value.errors] == [(2, "phone")]
    fresh = {**probe, "name": "新人", "id_number": next_id_number()}
    assert volunteers_import(actor=world.coordinator, rows=[probe, fresh]) == 2  # answered as the public form answers
    assert set(Volunteer.objects.values_list("name", flat=True)) == {"回民区志愿者", "新人"}
    assert Volunteer.objects.get(pk=theirs.pk).name == "回民区志愿者"  # changed nothing
    again = AuditEvent.objects.get(event_type="volunteers.applied_again", actor=world.coordinator)
    assert number not in str(again.after) + again.object_repr
    # A number of a volunteer the coordinator may see is still named on its row.
    mine = world.apply("本区志愿者")
    from fangkong.core.crypto import decrypt

    with pytest.raises(RowsRefused) as named:
        volunteers_import(actor=world.coordinator, rows=[{**probe, "id_number": decrypt(mine.id_cipher)}])
    assert [(e.row, e.field, str(e.message)) for e in named.value.errors] == [(1, "id_number", "该证件号码已登记为志愿者")]


# ---- 4. names in URLs ----


def test_the_name_search_posts_and_never_puts_the_name_in_a_url(client, world):
    world.apply("张小明")
    world.apply("李四")
    client.force_login(world.coordinator)
    url = reverse("volunteers:volunteer_list")
    posted = client.post(url, {"q": "张小", "status": ""})
    assert posted.status_code == 303 and posted["Location"].startswith(url + "?s=")
    assert "q=" not in posted["Location"] and "%E5%BC%A0" not in posted["Location"]
    found = client.get(posted["Location"]).content.decode()
    assert "张小明" in found and "李四" not in found
    old_link = client.get(url, {"q": "张小"}).content.decode()  # a name in a URL is not searched by
    assert "search-not-in-url" in old_link and "李四" in old_link
    client.force_login(world.other)  # another session's token finds nothing of it
    assert "张小明" not in client.get(posted["Location"]).content.decode()


# ---- 5. one rule for who may not leave their area ----


@pytest.mark.parametrize(("profile", "blocked"), [("twenty-measures", False), ("ninth-edition", True)])
def test_field_work_and_departure_follow_the_one_policy_rule_of_confined_classes(world, office, profile, blocked):
    """A resident of a 管控区 / 中风险区: under the 20 measures they may leave their area (and the city),
    so nothing bars field work either; under the 9th edition both are barred, named as the profile names it."""
    use_profile(profile)
    v = world.approved("居民", field_work=False)
    command = make_user("zhb-rule", Role.COMMAND_CENTRE, [("city", None)])
    area_declare(
        actor=command, name="迎宾小区1号楼", area_class=AreaClass.CONTROLLED, places=[("building", world.city.home.building.pk)], reason="t"
    )
    at = DAY0 + dt.timedelta(hours=1)
    reason = field_work_block(v, at, user=office)
    area_rule = next(o for o in departure.eligibility([v.person_id], at=at)[v.person_id] if o.rule == DepartureRule.AREA)
    assert bool(reason) is blocked and area_rule.met is not blocked
    if blocked:
        assert naming().label(AreaClass.CONTROLLED) in reason and "迎宾小区1号楼" in reason
    assert departure.BARRED_STATES is person_states.BARRED_STATES  # one list of the states that bar both
