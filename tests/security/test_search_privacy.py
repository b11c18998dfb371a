"""Items 8 and 10: searching people by full ID number or phone.

Before: the search form was a GET, so `/places/people/?q=150102199003071234` went into runserver's
and gunicorn's access lines, browser history and Referer headers; the phone mask (138****1111) hid
four digits and a full-phone search answered yes or no, so 10⁴ searches recovered a number, with no
limit and no record. Now the criteria go by POST and the results live at ?s=<token>; a search by full
number is audited (masked form and keyed hash, never the number) and limited per user (the 31st in
ten minutes is refused, in Chinese); the mask shows three and two digits (138******11)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt, lookup_hash
from fangkong.geo.models import Person
from tests.factories import make_person

pytestmark = pytest.mark.django_db

SEARCH = reverse("geo:person_search")


def full_id(name: str) -> str:
    return decrypt(Person.objects.get(name=name).id_cipher)


@pytest.fixture
def logs(caplog):
    """Every log record of the request, whichever logger (the django loggers do not propagate to root)."""
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.request", "django.server", "django.security"):
        logging.getLogger(name).addHandler(caplog.handler)
    yield caplog
    for name in ("django", "django.request", "django.server", "django.security"):
        logging.getLogger(name).removeHandler(caplog.handler)


def urls_in(response) -> list[str]:
    """Every URL the response sends the browser to or links: Location, HX-Push-Url, href, action, hx-get/post."""
    found = [response.get("Location", ""), response.get("HX-Push-Url", "")]
    found += re.findall(r'(?:href|action|hx-get|hx-post|src)="([^"]*)"', response.content.decode())
    return [u for u in found if u]


# ---- item 8: no number in any URL ----


@pytest.mark.parametrize("term", ["id", "phone"])
def test_a_full_number_search_never_puts_the_number_in_a_url_or_a_log(client, city, users, logs, term):
    number = full_id("王秀英") if term == "id" else "13800001111"
    client.force_login(users["community"])
    posted = client.post(SEARCH, {"q": number})
    assert posted.status_code == 303
    results = client.get(posted["Location"])
    assert results.status_code == 200 and [p.name for p in results.context["rows"]] == ["王秀英"]
    assert results.request["PATH_INFO"] == SEARCH and re.fullmatch(r"s=[\w-]+", results.request["QUERY_STRING"])
    for response in (posted, results):
        for url in urls_in(response):
            assert number not in url, url
    # the navbar's quick search posts too
    assert 'action="/places/people/" method="post"' in results.content.decode()
    # paging keeps the token, not the term
    for n in range(30):
        make_person(city.home.household, f"王{n}")
    page = client.get(client.post(SEARCH, {"q": "王"})["Location"])
    assert page.context["page_obj"].paginator.num_pages == 2
    assert all("q=" not in u and "王" not in u for u in urls_in(page))
    second = client.get(f"{SEARCH}?{page.request['QUERY_STRING']}&page=2")
    assert second.context["page_obj"].number == 2 and len(second.context["rows"]) == 6
    assert number not in logs.text and all(number not in r.getMessage() for r in logs.records)


def test_a_number_in_an_old_url_is_not_searched_and_not_repeated_in_links(client, city, users):
    number = full_id("王秀英")
    client.force_login(users["community"])
    response = client.get(SEARCH, {"q": number, "district": city.home.district.pk})
    html = response.content.decode()
    assert 'id="search-not-in-url"' in html
    assert {p.name for p in response.context["rows"]} == {"王秀英", "李建国", "赵敏"}  # the district only
    assert all(number not in u for u in urls_in(response))
    assert not AuditEvent.objects.filter(event_type=EventType.NUMBER_SEARCHED).exists()


def test_another_users_search_token_finds_nothing(client, city, users):
    client.force_login(users["community"])
    location = client.post(SEARCH, {"q": "王秀英"})["Location"]
    client.force_login(users["command"])  # a new session
    response = client.get(location)
    assert "该查询已过期" in response.content.decode()
    assert not response.context["search"].data and 'value="王秀英"' not in response.content.decode()  # their term is not known here


def test_the_api_takes_the_search_by_post_and_refuses_it_in_a_url(city, users):
    api = APIClient()
    api.force_authenticate(users["command"])
    number = full_id("马丽")
    refused = api.get("/api/people/", {"q": number})
    assert refused.status_code == 400 and number not in json.dumps(refused.json())
    found = api.post("/api/people/search/", {"q": number}, format="json")
    assert found.status_code == 200 and [p["name"] for p in found.json()["results"]] == ["马丽"]
    assert AuditEvent.objects.filter(event_type=EventType.NUMBER_SEARCHED, after__where="api.people.search").count() == 1


def test_case_and_tracing_searches_post_too(client, city, users):
    number = full_id("王秀英")
    client.force_login(users["command"])
    for url in (reverse("cases:case_list"), reverse("isolation:tracing_home")):
        response = client.post(url, {"q": number})
        assert response.status_code == 303 and number not in response["Location"]
        page = client.get(response["Location"])
        assert page.status_code == 200 and all(number not in u for u in urls_in(page))
        old = client.get(url, {"q": number})
        assert 'id="search-not-in-url"' in old.content.decode()
    assert AuditEvent.objects.filter(event_type=EventType.NUMBER_SEARCHED).count() == 2


# ---- item 10: audited, limited, masked enough ----


def test_every_full_number_search_is_audited_without_the_number(client, city, users):
    client.force_login(users["community"])
    number = full_id("王秀英")
    client.post(SEARCH, {"q": number})
    client.post(SEARCH, {"q": "13800001111"})
    client.post(SEARCH, {"q": number[-6:]})  # six trailing digits: two of them hidden by the mask
    client.post(SEARCH, {"q": "王"})  # a name: not a number search
    client.post(SEARCH, {"q": number[-4:]})  # the four digits every page shows
    events = list(AuditEvent.objects.filter(event_type=EventType.NUMBER_SEARCHED).order_by("id"))
    assert [e.after["kind"] for e in events] == ["id_full", "phone", "id_partial"]
    assert events[0].after["hash"] == lookup_hash("id", number) and events[0].after["masked"] == Person.objects.get(name="王秀英").id_masked
    assert events[1].after["masked"] == "138******11" and events[1].after["hash"] == lookup_hash("phone", "13800001111")
    assert all(e.actor == users["community"] and e.after["where"] == "geo.person_search" for e in events)
    for e in events:
        stored = json.dumps([e.after, e.before, e.object_repr, e.reason], ensure_ascii=False)
        assert number not in stored and "13800001111" not in stored and number[-6:] not in stored


def test_the_31st_phone_search_in_ten_minutes_is_refused(client, city, users):
    client.force_login(users["community"])
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for i in range(30):
            assert client.post(SEARCH, {"q": f"139{i:08d}"}).status_code == 303
        refused = client.post(SEARCH, {"q": "13800001111"})
        assert refused.status_code == 429
        html = refused.content.decode()
        assert "过于频繁" in html and "10 分钟内最多 30 次" in html
        assert "王秀英" not in html.split('id="results"')[1]  # the oracle does not answer
        # other searches still work; the API shares the count
        assert client.post(SEARCH, {"q": "王"}).status_code == 303
        api = APIClient()
        api.force_authenticate(users["community"])
        throttled = api.post("/api/people/search/", {"q": "13800001111"}, format="json")
        assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
        # the htmx case list shows the refusal in its fragment (htmx swaps no 4xx), with no case
        fragment = client.post(reverse("cases:case_list"), {"q": full_id("王秀英")}, HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200 and "过于频繁" in fragment.content.decode() and "data-case=" not in fragment.content.decode()
        # another user has their own count
        client.force_login(users["street"])
        assert client.post(SEARCH, {"q": "13800001111"}).status_code == 303
        # ten minutes after the first, one more passes
        clock.shift(dt.timedelta(minutes=10, seconds=1))
        client.force_login(users["community"])
        assert client.post(SEARCH, {"q": "13800001111"}).status_code == 303
    events = AuditEvent.objects.filter(event_type=EventType.NUMBER_SEARCHED, actor=users["community"])
    assert events.count() == 34 and events.filter(after__refused=True).count() == 3


def test_the_daily_limit_holds_across_windows(client, city, users, settings):
    settings.FANGKONG_NUMBER_SEARCH_LIMITS = ((30, 600), (40, 86400))
    client.force_login(users["community"])
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for i in range(40):
            if i and i % 30 == 0:
                clock.shift(dt.timedelta(minutes=11))
            assert client.post(SEARCH, {"q": f"139{i:08d}"}).status_code == 303
        clock.shift(dt.timedelta(minutes=11))
        refused = client.post(SEARCH, {"q": "13800001111"})
        assert refused.status_code == 429 and "一天内最多 40 次" in refused.content.decode()


def test_the_phone_mask_hides_six_digits_everywhere_it_is_shown(client, city, users):
    wang = Person.objects.get(name="王秀英")
    assert wang.phone_masked == "138******11"
    client.force_login(users["community"])
    for url in (reverse("geo:person", args=[wang.pk]), reverse("geo:household", args=[wang.household_id])):
        html = client.get(url).content.decode()
        assert "138******11" in html and "0000111" not in html and "****1111" not in html
    api = APIClient()
    api.force_authenticate(users["community"])
    assert api.get(f"/api/people/{wang.pk}/").json()["phone_masked"] == "138******11"


def test_stored_masks_are_recomputed_by_the_migration(city):
    import importlib

    from django.apps import apps

    Person.objects.filter(name="王秀英").update(phone_masked="138****1111")  # as an earlier version stored it
    migration = importlib.import_module("fangkong.geo.migrations.0004_phone_mask_shows_two_last_digits")
    migration.remask(apps, None)
    assert Person.objects.get(name="王秀英").phone_masked == "138******11"
    assert Person.objects.get(name="李建国").phone_masked == ""
