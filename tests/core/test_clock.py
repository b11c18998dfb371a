"""The FANGKONG_TEST_CLOCK switch (tests/conftest.py) really moves the clock every test sees.

CI runs the suite with the clock at 00:05, 07:55 and 23:55 Beijing; without this test a switch that
silently did nothing would make those runs pass for the wrong reason."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.utils import timezone

from tests import conftest

pytestmark = pytest.mark.skipif(not os.environ.get(conftest.CLOCK_VARIABLE), reason=f"{conftest.CLOCK_VARIABLE} is not set")


def test_the_session_clock_is_at_the_time_asked_for():
    expected = conftest.session_clock_expected()
    assert expected is not None, f"{conftest.CLOCK_VARIABLE} is set but the session clock was not moved"
    now = timezone.localtime()
    # It ticks from the time asked for: the tests before this one have used up some of it.
    assert abs(now - expected) < dt.timedelta(minutes=1), (now, expected)
    assert dt.datetime.now().astimezone(timezone.get_current_timezone()) - now < dt.timedelta(minutes=1)  # the stdlib moved too


def test_a_test_that_travels_itself_comes_back_to_the_session_clock():
    before = timezone.localtime()
    with time_machine.travel(dt.datetime(2022, 11, 14, 15, 0, tzinfo=dt.UTC).timestamp(), tick=False):
        assert timezone.localtime().date() == dt.date(2022, 11, 14)
    after = timezone.localtime()
    assert dt.timedelta(0) <= after - before < dt.timedelta(minutes=1), (before, after)


@pytest.mark.e2e
def test_the_browser_tests_browser_sees_the_same_clock(page):
    """The browser tests' pages run their scripts on the moved clock too (the `page` fixture sets it)."""
    browser_now = dt.datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, tz=dt.UTC)
    assert abs(browser_now - timezone.now()) < dt.timedelta(seconds=30), (browser_now, timezone.now())
