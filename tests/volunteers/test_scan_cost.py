"""The QR page in the morning rush (issue 18: 5,000 check-ins a minute): what one check-in costs in
queries, bounded so that a change that adds a read to the rush's path fails here — the page lists
only this point's shifts (read in the database, at most 5), and the check-in reads the volunteer's
current shifts once for both of its questions (an open check-in anywhere, a shift here)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.volunteers.models import Assignment
from fangkong.volunteers.services import point_add, shift_sign_up
from fangkong.volunteers.tokens import point_code

from .conftest import at_hour
from .test_security import _open

pytestmark = pytest.mark.django_db

GET_QUERIES = 4  # session, point, volunteer, the point's shifts
POST_QUERIES = 9  # session, point, volunteer; in the transaction: lock, current shifts, update, audit (+ savepoint, release)


def test_the_scan_page_and_the_check_in_cost_a_bounded_number_of_queries(client, world, clock, django_assert_max_num_queries):
    v = world.approved()
    gate = point_add(actor=world.coordinator, name="迎宾小区东门", kind="gate", community=world.city.home.community)
    for day in range(1, 8):  # a week of shifts at another point: not read by this point's page
        shift_sign_up(volunteer=v, need=world.need(at_hour(8, days=day), at_hour(12, days=day), point=gate))
    here = shift_sign_up(volunteer=v, need=world.need(at_hour(8), at_hour(12)))
    _open(client, v)
    clock(at_hour(8, 5))
    url = reverse("volunteers:scan", args=[point_code(world.point)])
    with django_assert_max_num_queries(GET_QUERIES):
        page = client.get(url)
    assert page.status_code == 200 and page.content.decode().count("data-shift") == 1
    with django_assert_max_num_queries(POST_QUERIES):
        assert client.post(url, {"action": "in"}).status_code == 302
    assert Assignment.objects.get(pk=here.pk).status == "checked_in"
    assert client.post(url, {"action": "in"}).status_code == 422  # a second check-in: refused, as before
