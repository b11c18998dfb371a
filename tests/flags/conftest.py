"""Fixtures of the flag tests: the notification tests' round 8 (a positive in the home community and
one in 回民区, tubes at a laboratory), and a helper that evaluates one rule."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.flags.models import Flag
from fangkong.flags.rules import RULES_BY_CODE
from fangkong.flags.services import flags_evaluate

from ..notifications.conftest import lab, positives  # noqa: F401 (fixtures)


def evaluate(code: str, at: dt.datetime, *, full: bool = False):
    """Evaluate one rule at `at`; its run."""
    return flags_evaluate(at=at, full=full, rules=[RULES_BY_CODE[code]])[0]


def open_subjects(code: str) -> set[str]:
    return set(Flag.objects.open().filter(rule=code).values_list("subject", flat=True))


@pytest.fixture
def run():
    return evaluate
