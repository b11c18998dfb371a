"""A typed body temperature has one rule (geo.vitals) and the fever line is the policy's, for every
path that takes one: the isolation site's home check, a transfer batch's check, a checkpoint's
fever log. The home check once warned at a hard-coded 37.3 whatever the policy said."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fangkong.core.errors import DomainError
from fangkong.geo.vitals import celsius, is_fever
from fangkong.policy.models import PolicyParameter

from ..isolation.factories import use_profile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("typed", "read"), [("36.8", "36.8"), (" 37.2℃ ", "37.2"), (37, "37.0"), ("36.85", "36.8")])
def test_a_typed_temperature_is_read_to_one_decimal(typed, read):
    assert celsius(typed, label="体温") == Decimal(read)


@pytest.mark.parametrize(("typed", "words"), [("abc", "体温不是数字"), ("45", "体温 45.0℃ 不在 34–43℃ 之间"), ("33.9", "不在 34–43℃")])
def test_a_misreading_is_refused_with_the_same_words_everywhere(typed, words):
    with pytest.raises(DomainError) as refused:
        celsius(typed, label="体温")
    assert words in refused.value.message and refused.value.rule == "geo.body_temperature"
    assert refused.value.field == "temperature"


def test_the_fever_line_is_the_policys(db):
    profile = use_profile("twenty-measures")
    assert is_fever(Decimal("37.3")) and not is_fever(Decimal("37.2"))
    PolicyParameter.objects.filter(profile=profile, key="movement.fever_celsius").update(value=37.5)
    assert not is_fever(Decimal("37.4")) and is_fever(Decimal("37.5"))
