"""Ct → result: the one rule (fangkong.results.rules) every path calls — under the active policy's
threshold (35 in the 20 measures): a stated result that contradicts its Ct is refused, a positive
needs a Ct, invalid stands as stated, Ct values lie in 0–50."""

from __future__ import annotations

import pytest

from fangkong.core.errors import DomainError
from fangkong.results.choices import Result
from fangkong.results.rules import THRESHOLD_KEY, Threshold, decide, decide_or_refuse

pytestmark = pytest.mark.django_db

THRESHOLD = Threshold(value=35.0, citation="testing.positive_ct_threshold = 35Ct — 测试", short="t")


@pytest.mark.parametrize(
    ("stated", "orf1ab", "n", "result"),
    [
        ("", 28.0, None, Result.POSITIVE),
        ("", 34.9, 36.0, Result.POSITIVE),  # the smaller Ct decides
        ("", 35.0, None, Result.NEGATIVE),  # positive = Ct < 35
        (Result.POSITIVE, 20.0, 22.0, Result.POSITIVE),
        (Result.NEGATIVE, None, None, Result.NEGATIVE),  # a negative may come without Ct
        (Result.INVALID, 40.0, None, Result.INVALID),
    ],
)
def test_accepted(stated, orf1ab, n, result):
    assert decide(stated, orf1ab, n, threshold=THRESHOLD) == (result, None)


@pytest.mark.parametrize(
    ("stated", "orf1ab", "n", "field", "rule"),
    [
        (Result.POSITIVE, 40.0, None, "result", THRESHOLD_KEY),  # the Ct-40 "positive"
        (Result.NEGATIVE, 30.0, None, "result", THRESHOLD_KEY),
        (Result.POSITIVE, None, None, "ct_orf1ab", THRESHOLD_KEY),  # a positive without any Ct
        ("", None, None, "result", ""),
        ("", 51.0, None, "ct_orf1ab", "results.ct_range"),
        ("", None, -1.0, "ct_n", "results.ct_range"),
        ("maybe", None, None, "result", ""),
    ],
)
def test_refused_naming_the_field_and_rule(stated, orf1ab, n, field, rule):
    _result, problem = decide(stated, orf1ab, n, threshold=THRESHOLD)
    assert problem is not None and (problem.field, problem.rule) == (field, rule) and problem.message


def test_the_contradiction_names_the_threshold_and_cites_the_policy():
    _result, problem = decide(Result.POSITIVE, 40.0, None, threshold=THRESHOLD)
    assert "Ct 最小值 40" in problem.message and "按阈值 35" in problem.message and "阴性" in problem.message
    assert problem.source == THRESHOLD.citation  # shown folded as 依据, never raw in the message
    assert THRESHOLD_KEY not in problem.message


def test_refused_for_one_result_entered_by_hand_with_the_forms_own_field_name():
    with pytest.raises(DomainError) as exc:
        decide_or_refuse(Result.POSITIVE, None, fields={"ct_orf1ab": "ct_value"})
    assert exc.value.field == "ct_value"
    result, threshold = decide_or_refuse("", 20.0)
    assert result == Result.POSITIVE and threshold.value == 35.0  # read from the active policy
