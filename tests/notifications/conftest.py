"""Fixtures of the notification tests: a positive found by round 8 in the home community (and one
in 回民区), a case opened by hand with its transfer on the board, a laboratory with its user."""

from __future__ import annotations

import pytest

from fangkong.testing.models import ConfirmedPositive
from fangkong.testing.services import Binding, bulk_bind

from ..factories import make_person, make_user
from ..testing import factories as tf


@pytest.fixture
def lab(db):
    lab = tf.make_lab()
    return lab, tf.make_lab_user("lab", lab)


@pytest.fixture
def positives(city, users, lab):
    """Round 8: one positive in the home grid (迎宾南路社区 第一网格) and one in 回民区."""
    lab_obj, lab_user = lab
    r = tf.make_round(users["command"])
    point = tf.make_point(city.home.community)
    home = make_person(city.home.household, "阳性甲")
    elsewhere = city.elsewhere.household.members.first()
    bulk_bind(
        actor=users["command"],
        testing_round=r,
        sampling_point=point,
        pooling_mode="single",
        bindings=[Binding("S1", person_id=home.pk), Binding("S2", person_id=elsewhere.pk)],
        at=tf.at(1),
    )
    tf.upload(lab_user, r, lab_obj, [("S1", "阳性", 28, 30, "2022-02-25 15:00"), ("S2", "阳性", 31, 32, "2022-02-25 16:00")], tf.at(9))
    return list(ConfirmedPositive.objects.order_by("pk"))


@pytest.fixture
def other_community_worker(city):
    return make_user("other-community", "community_worker", [("community", city.elsewhere.community)])
