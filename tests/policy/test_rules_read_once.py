"""The policy is read once per request (fangkong.policy.rules): two queries however many rules a page
reads, and a change saved inside the request or in an earlier one shows at once."""

from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from fangkong.policy import services
from fangkong.policy.models import PolicyParameter, PolicyProfile
from fangkong.policy.rules import active_profile, rule_value

pytestmark = pytest.mark.django_db

KEYS = ["close_contact.central_days", "regimen.day_one", "inbound.central_days"]


@pytest.fixture
def request_block():
    """As the web server brackets each request — without Django's close_old_connections, which would
    close the test's connection inside its transaction (as Django's test client does too)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        request_started.send(sender=None)
        yield
        request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def local_copy(admin) -> PolicyProfile:
    twenty = PolicyProfile.objects.get(code="twenty-measures")
    local = services.profile_copy(actor=admin, source=twenty, name="本市措施", version="test")
    return services.profile_activate(actor=admin, profile=local)


def test_a_request_reads_the_policy_in_two_queries(request_block):
    with CaptureQueriesContext(connection) as queries:
        values = [rule_value(key) for key in KEYS * 3]
    assert len(queries) == 2  # the active profile, then all its parameters
    assert values[:3] == [PolicyParameter.objects.get(profile__is_active=True, key=k).value for k in KEYS]


def test_outside_a_request_each_rule_is_read_afresh():
    rule_value(KEYS[0])
    PolicyParameter.objects.filter(profile__is_active=True, key=KEYS[0]).update(value=99)
    assert rule_value(KEYS[0]) == 99


def test_a_parameter_changed_inside_the_request_shows_at_once(users, request_block):
    local = local_copy(users["admin"])
    assert rule_value("close_contact.central_days") != 11
    services.parameter_change(
        actor=users["admin"], parameter=local.parameters.get(key="close_contact.central_days"), raw_value="11", source="市指挥部通知"
    )
    assert rule_value("close_contact.central_days") == 11


def test_a_profile_activated_inside_the_request_shows_at_once(users, request_block):
    before = active_profile()
    ninth = PolicyProfile.objects.get(code="ninth-edition")
    assert before.pk != ninth.pk
    rule_value(KEYS[0])
    services.profile_activate(actor=users["admin"], profile=ninth)
    assert active_profile().pk == ninth.pk
    assert rule_value("close_contact.central_days") == ninth.parameters.get(key="close_contact.central_days").value


def test_the_next_request_reads_afresh_even_a_change_that_sent_no_signal(request_block):
    rule_value(KEYS[0])
    PolicyParameter.objects.filter(profile__is_active=True, key=KEYS[0]).update(value=77)  # no post_save
    assert rule_value(KEYS[0]) != 77  # the request's own reading
    request_finished.send(sender=None)
    request_started.send(sender=None)
    assert rule_value(KEYS[0]) == 77
