"""Security issue item 1: the masked ID number plus what else is shown or stored in clear must not
determine the ID number (decision 0005, docs/security.md).

The attack: the mask shows region + last 4 (sequence + check character); enumerate the birth dates
the other fields allow and keep those whose GB 11643 check character matches. A full birth date
leaves one candidate — the number. A birth year leaves about 33, and at least 7 for the babies the
quarter rule covers (geo.birth.public_birth_years).

Each attack runs against the real views (API and pages, as a grid worker who may not reveal) or a
raw-SQL read of the database without the data key, over a synthetic city generated on a fixed day
(time-machine): 20 January (babies born this year: the quarter rule) and 2 April (just after it).
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Count
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.core.crypto import decrypt
from fangkong.core.roles import Role
from fangkong.geo.birth import person_birth_date
from fangkong.geo.idnumbers import make_resident_id
from fangkong.geo.models import Person
from fangkong.geo.synthetic import city_generate

from ..factories import ensure_reference_data, make_person, make_user
from .reconstruction import MASKED_RESIDENT, attack, candidates, days, dump_attack

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
PEOPLE = 2500
# Days the city is generated and attacked on: inside the first quarter (babies of this year and last
# year carry a two-year range) and just after it (this year's babies carry the year: ≥ 91 days).
DAYS = {
    "in-first-quarter": dt.datetime(2026, 1, 20, 15, 0, tzinfo=BEIJING),
    "after-first-quarter": dt.datetime(2026, 4, 2, 15, 0, tzinfo=BEIJING),
}
YEARS_LABEL = re.compile(r"(\d{4})(?:–(\d{4}))? 年生")
DATE_LIKE = re.compile(r"(1[89]\d\d|20\d\d)[-/.年]?(0[1-9]|1[0-2])[-/.月]?(0[1-9]|[12]\d|3[01])")


@pytest.fixture(params=list(DAYS), ids=list(DAYS))
def day(request):
    with time_machine.travel(DAYS[request.param], tick=True):
        yield DAYS[request.param].date()


@pytest.fixture
def town(day):
    """A synthetic city as of `day`, and a grid worker (no reveal) on its most populous grid."""
    ensure_reference_data()
    city_generate(actor=None, people=PEOPLE, seed=5)
    grid_id = Person.objects.values("grid_id").annotate(n=Count("id")).order_by("-n").values_list("grid_id", flat=True)[0]
    from fangkong.geo.models import Grid

    worker = make_user("grid-worker", Role.GRID_WORKER, [("grid", Grid.objects.get(pk=grid_id))])
    # Someone who reads the whole city's people (the command centre; what the API lists is masked for it too).
    everyone = make_user("city-reader", Role.COMMAND_CENTRE, [("city", None)])
    return worker, everyone


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def shown_people(user, *, page_size: int = 1000) -> list[dict]:
    """Every person the user's API lists, page by page."""
    client, url, out = api(user), f"/api/people/?page_size={page_size}", []
    while url:
        body = client.get(url).json()
        out += body["results"]
        url = body["next"]
    return out


def true_number(pk: int) -> str:
    return decrypt(Person.objects.get(pk=pk).id_cipher)


# ---- (a) what a grid worker sees ----


def test_a_grid_worker_cannot_rebuild_a_number_from_the_api_and_the_pages(client, town, day):
    worker, everyone = town
    first_page = api(worker).get("/api/people/?page_size=20").json()["results"]
    assert len(first_page) == 20
    client.force_login(worker)
    rows = []
    for shown in first_page:
        assert "birth_date" not in shown and "age" not in shown
        page = client.get(reverse("geo:person", args=[shown["id"]])).content.decode()
        number = true_number(shown["id"])
        # Every field the page and the API show: the masked number, the years, nothing date-like.
        assert shown["id_masked"] in page and number not in page
        assert not any(f"{y}{m}{d}" == number[6:14] for y, m, d in DATE_LIKE.findall(page)), "the page shows the birth date"
        label = YEARS_LABEL.search(page)
        assert label is not None and int(label[1]) == shown["birth_year"]
        rows.append((shown["id"], shown["id_masked"], shown["birth_year"], shown["birth_year_to"], day))
    household = client.get(reverse("geo:household", args=[Person.objects.get(pk=first_page[0]["id"]).household_id])).content.decode()
    assert not any(f"{y}{m}{d}" == true_number(first_page[0]["id"])[6:14] for y, m, d in DATE_LIKE.findall(household))

    outcome = attack(rows)
    assert outcome.people == 20
    assert outcome.recovered == 0, str(outcome)
    # The method is sound: each true number is among its candidates.
    for pk, masked, first, last, not_after in rows:
        region, tail = MASKED_RESIDENT.match(masked).groups()
        assert true_number(pk) in candidates(region, tail, days(first, last, not_after=not_after))

    # The same over everyone in the city (babies included), by someone who sees it all.
    everybody = shown_people(everyone)
    assert len(everybody) == PEOPLE
    outcome = attack((p["id"], p["id_masked"], p["birth_year"], p["birth_year_to"], day) for p in everybody)
    assert outcome.people == PEOPLE
    assert outcome.recovered == 0, str(outcome)
    assert outcome.min_candidates >= 7, str(outcome)
    print(f"\n[{day}] API, whole city: {outcome}")


# ---- (b) a dump of the database without the data key ----


def test_b_a_dump_of_the_plaintext_columns_recovers_no_number(town, day):
    outcome = dump_attack()
    assert outcome.people == PEOPLE
    assert outcome.recovered == 0, str(outcome)
    assert outcome.min_candidates >= 7, str(outcome)
    babies = Person.objects.filter(birth_year_to__gte=day.year - 1)
    assert babies.exists()  # the quarter rule is exercised
    print(f"\n[{day}] plaintext dump: {outcome}")


# ---- (c) the same attack on the old data shape ----


def test_c_the_old_shape_mask_plus_birth_date_gave_every_number_away(town, day):
    """Before decision 0005 /api/people/ sent `birth_date` (a plaintext column) next to `id_masked`.
    Rebuild that old answer for the grid worker's first page (the date through the sealed columns,
    standing in for the dropped column) and run the same enumeration on it: one candidate each."""
    worker, _everyone = town
    first_page = api(worker).get("/api/people/?page_size=20").json()["results"]
    old_shape = [
        {"id_masked": p["id_masked"], "birth_date": person_birth_date(Person.objects.get(pk=p["id"])).isoformat()} for p in first_page
    ]
    recovered = 0
    for shown, old in zip(first_page, old_shape, strict=True):
        region, tail = MASKED_RESIDENT.match(old["id_masked"]).groups()
        found = candidates(region, tail, [dt.date.fromisoformat(old["birth_date"])])
        recovered += found == [true_number(shown["id"])]
    assert recovered == 20  # 20 of 20, as the issue reported


# ---- the search box must not be a digit-by-digit oracle ----


@override_settings(FANGKONG_NUMBER_SEARCH_LIMITS=((1000, 600),))  # the attack itself, not the rate limit
def test_the_search_matches_no_more_of_the_end_than_the_mask_shows(client, city, users):
    """A search on the last 5–7 characters (the 5th–8th from the end are the birth date's) used to
    list the person for the right digit only: ten searches per digit rebuilt the date. Now it lists
    no one, on the page and in the API."""
    person = Person.objects.get(name="王秀英")
    number = decrypt(person.id_cipher)
    client.force_login(users["grid"])
    grid_api = api(users["grid"])

    def page_rows(term: str) -> list:
        return list(client.post(reverse("geo:person_search"), {"q": term}, follow=True).context["rows"])

    for length in (5, 6, 7):
        for digit in "0123456789":
            guess = digit + number[-(length - 1) :]
            assert person not in page_rows(guess), guess
            assert grid_api.post("/api/people/search/", {"q": guess}).json()["results"] == [], guess
    assert person in page_rows(number[-4:])


# ---- case pages and API: a birth year, never a date nor an exact age ----


def test_case_pages_and_api_show_the_birth_year_not_the_age(client, city, users):
    from fangkong.cases.choices import FacilityKind

    from ..cases.factories import make_facility, open_case

    make_facility("定点医院", FacilityKind.HOSPITAL, city.home.district, general=2)
    birth = dt.date(1950, 3, 1)
    elder = make_person(city.home.household, "老人", id_number=make_resident_id("150102", birth, 11))
    with time_machine.travel(dt.datetime(2022, 11, 14, 9, 0, tzinfo=BEIJING), tick=True):
        case = open_case(users["command"], elder)
        exact_age = "72 岁"
        client.force_login(users["command"])
        for url in (reverse("cases:case_detail", args=[case.pk]), reverse("cases:case_list"), reverse("cases:board")):
            html = client.get(url).content.decode()
            assert "1950 年生" in html, url
            assert exact_age not in html and "1950-03-01" not in html, url
        body = api(users["command"]).get(f"/api/cases/{case.pk}/").json()
        assert body["birth_year"] == 1950 and "age" not in body and "birth_date" not in body
        # Triage still decides on the exact age (decrypted in geo), and its stored rule names the limit only.
        transfer = case.transfers.get()
        assert transfer.triage_kind == FacilityKind.HOSPITAL and "年满 65 岁" in transfer.triage_rule and "72" not in transfer.triage_rule


def test_the_person_table_has_no_plaintext_birth_date(city):
    """The columns of geo_person themselves: no date type, no birth_date."""
    from django.db import connection

    with connection.cursor() as cur:
        columns = {c.name for c in connection.introspection.get_table_description(cur, "geo_person")}
    assert "birth_date" not in columns and {"birth_year", "birth_year_to", "birth_cipher"} <= columns
    # The fixture's people hold resident IDs: their date lives inside the encrypted number only.
    assert set(Person.objects.values_list("birth_cipher", flat=True)) == {""}
