"""Refusals describe only the people the caller may see (security issue, items 3 and 5).

Item 3: a grid worker posted 500 bindings with person ids of other districts and got 483 errors each
naming a person — name, masked ID, sampling point, time, tube. A person outside the caller's places
is now "not found", exactly like a missing one; a person sampled by their full ID number (in front of
the sampler with their card) may be sampled anywhere, but a refusal about them names nobody.

Item 5: the 流调 person look-up told a command user with no grant, and a district user about another
district, who a person is and that they are a contact or a case. It is now scoped (or a contact of a
case the caller traces), by POST, counted and audited like a search by full number."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.core.roles import Role
from fangkong.geo.models import Person
from fangkong.testing.models import TubeMember
from fangkong.testing.services import Binding, bulk_bind

from ..factories import make_person, make_tree, make_user
from ..testing.factories import at, make_point, make_round


def _api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_bindings_by_person_id_of_another_district_are_not_found_and_name_nobody(city, users):
    others = [
        make_person(
            make_tree(district_code="150103", street="环河街街道", community="通顺社区", household=f"9{i:02d}").household, f"外区居民{i}"
        )
        for i in range(30)
    ]
    testing_round = make_round(users["command"])
    point = make_point(city.home.community)
    rows = [{"barcode": f"X{i:03d}", "person_id": p.pk, "sampling_point": point.pk, "pooling_mode": "single"} for i, p in enumerate(others)]
    response = _api(users["grid"]).post(f"/api/testing/rounds/{testing_round.pk}/bindings/", rows, format="json")
    assert response.status_code == 400
    body = response.content.decode()
    errors = response.json()["errors"]
    assert len(errors) == len(others) and {e["field"] for e in errors} == {"person_id"}
    assert len({e["message"] for e in errors}) == 1  # the same words as for an id that does not exist
    missing = _api(users["grid"]).post(
        f"/api/testing/rounds/{testing_round.pk}/bindings/",
        [{"barcode": "Y1", "person_id": 10**9, "sampling_point": point.pk, "pooling_mode": "single"}],
        format="json",
    )
    assert missing.json()["errors"][0]["message"] == errors[0]["message"]
    for p in others:
        assert p.name not in body and p.id_masked not in body
    assert not TubeMember.objects.exists()


def test_a_person_sampled_elsewhere_is_not_described_to_another_districts_sampler(city, users):
    """Sampled in their home district first; then a sampler of another district scans their card:
    refused as already sampled, without their name, tube, point or time."""
    testing_round = make_round(users["command"])
    home_point = make_point(city.home.community)
    elsewhere_point = make_point(city.elsewhere.community, name="通顺小区采样点")
    person = Person.objects.get(name="王秀英")  # the home community
    bulk_bind(
        actor=users["community"], testing_round=testing_round, sampling_point=home_point, pooling_mode="single",
        bindings=[Binding("H1", person_id=person.pk)], at=at(1),
    )  # fmt: skip
    sampler = make_user("elsewhere_sampler", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    rows = [{"barcode": "E1", "id_number": decrypt(person.id_cipher), "sampling_point": elsewhere_point.pk, "pooling_mode": "single"}]
    response = _api(sampler).post(f"/api/testing/rounds/{testing_round.pk}/bindings/", rows, format="json")
    assert response.status_code == 400
    body = response.content.decode()
    assert "已采样" in body
    assert person.name not in body and person.id_masked not in body and "H1" not in body and home_point.name not in body


def test_the_tracing_look_up_is_scoped_by_post_and_audited(client, city, users):
    url = reverse("isolation:person_lookup")
    far = Person.objects.get(name="马丽")  # 回民区
    number = decrypt(far.id_cipher)
    assert client.get(url, {"id_number": number}).status_code in (302, 405)  # never a number in a URL
    client.force_login(users["district"])  # 新城区's tracer
    assert client.get(url, {"id_number": number}).status_code == 405
    html = client.post(url, {"id_number": number}).content.decode()
    assert "马丽" not in html and far.id_masked not in html and 'data-found=""' in html
    commander = make_user("command_nogrant", Role.COMMAND_CENTRE, [])  # the role may trace, but has no places
    client.force_login(commander)
    html = client.post(url, {"id_number": number}).content.decode()
    assert "马丽" not in html and far.id_masked not in html
    audited = AuditEvent.objects.filter(event_type="geo.number_searched", after__where="isolation.tracing_lookup")
    assert audited.count() == 2 and number not in str(list(audited.values_list("after", flat=True)))


def test_a_refused_batch_of_candidate_numbers_is_no_unlimited_oracle(city, users, settings):
    """The attack: a grid worker (testing.sample) posts the candidates the mask leaves for someone's
    ID number, plus one row that is bound to fail, so nothing is written, and reads which numbers the
    refusal calls unregistered. Each such row now counts as a search by full number: past the limit the
    batch is refused as too many searches and names no row."""
    from django.core.cache import cache

    from ..factories import next_id_number

    cache.clear()
    settings.FANGKONG_NUMBER_SEARCH_LIMITS = ((30, 600),)
    testing_round = make_round(users["command"])
    point = make_point(city.home.community)
    registered = Person.objects.get(name="王秀英")
    candidates = [next_id_number() for _ in range(40)] + [decrypt(registered.id_cipher)]
    rows = [
        {"barcode": f"C{i:03d}", "id_number": n, "sampling_point": point.pk, "pooling_mode": "single"} for i, n in enumerate(candidates)
    ]
    rows.append({"barcode": "bad barcode!", "id_number": candidates[-1], "sampling_point": point.pk, "pooling_mode": "single"})
    url = f"/api/testing/rounds/{testing_round.pk}/bindings/"
    response = _api(users["grid"]).post(url, rows, format="json")
    assert response.status_code == 400  # the format check comes first: no number looked up yet
    rows.pop()
    rows.append({"barcode": "C999", "id_number": candidates[-1], "sampling_point": point.pk, "pooling_mode": "single"})  # same person twice
    response = _api(users["grid"]).post(url, rows, format="json")
    assert response.status_code == 429
    body = response.content.decode()
    assert "未在人口库登记" not in body and "C0" not in body  # which numbers are registered: not said
    assert not TubeMember.objects.exists()
    # and the searches were counted: the search box is past the limit too
    assert _api(users["grid"]).post("/api/people/search/", {"q": candidates[0]}, format="json").status_code == 429


def test_a_batch_with_a_few_unregistered_numbers_still_names_them(city, users):
    """A sampler's honest mistake (a mistyped number) is answered row by row, as before."""
    from django.core.cache import cache

    from ..factories import next_id_number

    cache.clear()
    testing_round = make_round(users["command"])
    point = make_point(city.home.community)
    rows = [{"barcode": "T1", "id_number": next_id_number(), "sampling_point": point.pk, "pooling_mode": "single"}]
    response = _api(users["grid"]).post(f"/api/testing/rounds/{testing_round.pk}/bindings/", rows, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "id_number"
