"""Residents applying from their own phones: the public page answers the same for a registered
number, an unknown one and one already waiting (no oracle); it is rate-limited and traps scripts;
the application lands with the community, whose worker confirms it against the registry (then it is
decided like any other) or turns it down — and a worker of another community cannot see or confirm
it (attacks)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.crypto import decrypt
from fangkong.core.roles import Role
from fangkong.movement.choices import ApplicationStatus, SelfApplicationStatus
from fangkong.movement.models import DepartureApplication, SelfApplication

from ..factories import make_person, make_user, next_id_number
from ..isolation.factories import use_profile

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def form(city, **kw):
    data = {
        "name": "周游",
        "id_number": next_id_number(),
        "phone": "13912345678",
        "community": str(city.home.community.pk),
        "mode": "car",
        "destination": "赤峰市",
        "travel_date": timezone.localdate().isoformat(),
        "website": "",
    }
    return {**data, **kw}


def number(person) -> str:
    return decrypt(person.id_cipher)[:18]


def test_the_page_answers_the_same_whoever_the_number_belongs_to(city):
    """Attack: probe the public page with a registered resident's number, an unknown one, and the
    registered one again; every answer is the same redirect to the same page."""
    resident = make_person(city.home.household, "周游")
    answers = [
        Client().post(reverse("movement:apply"), form(city, id_number=number(resident))),
        Client().post(reverse("movement:apply"), form(city, id_number=next_id_number(), name="不存在")),
        Client().post(reverse("movement:apply"), form(city, id_number=number(resident), name="冒名者")),
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, reverse("movement:applied"))}
    assert SelfApplication.objects.count() == 2  # the repeat changed nothing
    page = Client().get(reverse("movement:applied")).content.decode()
    assert "周游" not in page and number(resident) not in page
    stored = SelfApplication.objects.get(name="周游")
    assert number(resident) not in stored.id_cipher and stored.id_masked.endswith(number(resident)[-1:]) is not None
    assert not DepartureApplication.objects.exists()  # nothing decided before the community confirms


def test_it_is_rate_limited_and_traps_scripts(city, settings):
    settings.FANGKONG_MOVEMENT_APPLY_LIMITS = ((2, 600),)
    c = Client()
    trapped = c.post(reverse("movement:apply"), form(city, website="http://spam.example"))
    assert trapped.status_code == 302 and not SelfApplication.objects.exists()
    c.post(reverse("movement:apply"), form(city))
    refused = c.post(reverse("movement:apply"), form(city))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert SelfApplication.objects.count() == 1


def test_a_malformed_application_names_its_fields(city):
    bad = form(city, id_number="123", travel_date=(timezone.localdate() - dt.timedelta(days=1)).isoformat())
    response = Client().post(reverse("movement:apply"), bad)
    assert response.status_code == 422
    page = response.content.decode()
    assert "出行日期须在今天" in page and 'data-field="id_number"' in page
    assert not SelfApplication.objects.exists()


def test_the_community_confirms_and_it_is_decided_or_turns_it_down(city, users, lab):
    use_profile("twenty-measures")
    resident = make_person(city.home.household, "周游")
    lab.negative(resident, timezone.now() - dt.timedelta(hours=3))
    Client().post(reverse("movement:apply"), form(city, id_number=number(resident)))
    Client().post(reverse("movement:apply"), form(city, name="查无此人"))
    Client().post(reverse("movement:apply"), form(city, id_number=number(city.home.household.members.get(name="李建国")), name="李健国"))
    worker = Client()
    worker.force_login(users["community"])
    listing = worker.get(reverse("movement:own_list")).content.decode()
    assert "周游" in listing and "查无此人" in listing and "13912345678" not in listing  # the phone masked
    own = SelfApplication.objects.get(name="周游")
    assert worker.post(reverse("movement:own_review", args=[own.pk]), {"action": "confirm"}).status_code == 302
    own.refresh_from_db()
    assert own.status == SelfApplicationStatus.CONFIRMED and own.application.status == ApplicationStatus.APPROVED
    assert own.application.filed_by == users["community"]
    unknown = SelfApplication.objects.get(name="查无此人")
    page = worker.post(reverse("movement:own_review", args=[unknown.pk]), {"action": "confirm"}, follow=True).content.decode()
    assert "本社区没有登记该证件号码的居民" in page
    misnamed = SelfApplication.objects.get(name="李健国")
    page = worker.post(reverse("movement:own_review", args=[misnamed.pk]), {"action": "confirm"}, follow=True).content.decode()
    assert "姓名与登记信息不符" in page
    worker.post(reverse("movement:own_review", args=[unknown.pk]), {"action": "reject", "reason": "电话核实：非本社区居民"})
    unknown.refresh_from_db()
    assert unknown.status == SelfApplicationStatus.REJECTED and DepartureApplication.objects.count() == 1


def test_a_worker_of_another_community_can_neither_see_nor_confirm_it(city, users):
    """Attack: the other district's community worker lists the applications and posts a confirm by id."""
    resident = make_person(city.home.household, "周游")
    Client().post(reverse("movement:apply"), form(city, id_number=number(resident)))
    own = SelfApplication.objects.get()
    stranger = make_user("tongshun", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    c = Client()
    c.force_login(stranger)
    assert "周游" not in c.get(reverse("movement:own_list")).content.decode()
    assert c.post(reverse("movement:own_review", args=[own.pk]), {"action": "confirm"}).status_code == 404
    assert c.post(reverse("movement:own_review", args=[own.pk]), {"action": "reject", "reason": "x"}).status_code == 404
    own.refresh_from_db()
    assert own.status == SelfApplicationStatus.PENDING and not DepartureApplication.objects.exists()
