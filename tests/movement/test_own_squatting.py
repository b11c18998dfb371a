"""Residents' own applications (review attack): a stranger who files first with a resident's ID
number, in another community and with their own phone, no longer drops the resident's own
application — one waits per number and community — and the public page still answers the same
in every case (no oracle)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.movement.choices import SelfApplicationStatus
from fangkong.movement.models import DepartureApplication, SelfApplication
from fangkong.movement.services.self_service import self_confirm

from ..factories import make_person
from .test_own import _fresh_limits, form, number  # noqa: F401  (the fixture resets the page's rate limit)

pytestmark = pytest.mark.django_db


def _apply(city, **kw):
    return Client().post(reverse("movement:apply"), form(city, **kw))


def test_a_stranger_in_another_community_cannot_drop_the_residents_application(city, users):
    """The attack: the stranger files first with the resident's number in another district's
    community; the resident then applies in their own. Both are kept, the resident's community
    worker sees theirs and confirms it, and every answer is the same thank-you."""
    resident = make_person(city.home.household, "周游")
    answers = [
        _apply(city, id_number=number(resident), name="周游", community=str(city.elsewhere.community.pk), phone="13700000000"),
        _apply(city, id_number=number(resident), name="周游"),
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, reverse("movement:applied"))}
    own = SelfApplication.objects.get(community_id=city.home.community.pk)
    assert own.status == SelfApplicationStatus.PENDING and own.phone_masked != SelfApplication.objects.exclude(pk=own.pk).get().phone_masked
    client = Client()
    client.force_login(users["community"])
    assert "周游" in client.get(reverse("movement:own_list")).content.decode()
    application = self_confirm(actor=users["community"], pk=own.pk)
    assert DepartureApplication.objects.filter(pk=application.pk, person=resident).exists()


def test_one_waits_per_number_and_community_and_the_answer_is_the_same(city):
    """A repeat in the same community changes nothing (the squat there is the worker's to catch on
    the phone); the answers of a first, a repeat and another community's application are alike."""
    resident = make_person(city.home.household, "周游")
    answers = [
        _apply(city, id_number=number(resident), name="周游"),
        _apply(city, id_number=number(resident), name="冒名者", phone="13700000000"),
        _apply(city, id_number=number(resident), name="周游", community=str(city.elsewhere.community.pk)),
    ]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, reverse("movement:applied"))}
    assert sorted(SelfApplication.objects.values_list("community_id", "name")) == sorted(
        [(city.home.community.pk, "周游"), (city.elsewhere.community.pk, "周游")]
    )
