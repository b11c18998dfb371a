"""Pages with personal data are never stored by the browser or a proxy (security issue item 13):
the revealed ID number, a person's page, searches and lists of people, the API's answers and the
account page with a new token all carry `Cache-Control: no-store`."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.core.crypto import decrypt
from fangkong.geo.models import Person

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


def test_revealed_id_number_is_not_stored(client, city, users):
    wang = Person.objects.get(name="王秀英")
    client.force_login(users["community"])
    url = reverse("geo:person_reveal_id", args=[wang.pk])
    for response in (
        client.post(url, {"reason": "核酸检测登记核对身份"}, headers={"HX-Request": "true"}),
        client.post(url, {"reason": "核酸检测登记核对身份"}),
    ):
        assert decrypt(wang.id_cipher) in response.content.decode()
        assert no_store(response)
    assert no_store(client.get(url))


def test_person_pages_and_lists_are_not_stored(client, city, users):
    wang = Person.objects.get(name="王秀英")
    client.force_login(users["community"])
    for url in (
        reverse("geo:person", args=[wang.pk]),
        reverse("geo:person_search") + "?q=王",
        reverse("geo:household", args=[wang.household_id]),
        reverse("geo:browse"),
    ):
        response = client.get(url)
        assert response.status_code == 200 and no_store(response), url


def test_api_answers_with_personal_data_are_not_stored(city, users):
    wang = Person.objects.get(name="王秀英")
    api = APIClient()
    api.force_authenticate(users["community"])
    assert no_store(api.get(f"/api/people/{wang.pk}/"))
    response = api.post(f"/api/people/{wang.pk}/reveal/", {"reason": "核对转运名单"}, format="json")
    assert response.status_code == 200 and no_store(response)


def test_the_account_page_showing_a_new_token_is_not_stored(client, users):
    client.force_login(users["community"])
    client.post(reverse("accounts:api_token_create"), {"name": "script", "days": 30})
    response = client.get(reverse("accounts:profile"))
    assert 'id="new-api-token"' in response.content.decode() and no_store(response)


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/vendor/htmx/htmx.min.js")
    assert "no-store" not in response.get("Cache-Control", "")
