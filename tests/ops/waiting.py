"""Waiting for a drill's processes: poll a check until it holds, or fail the test saying what did not happen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 0.1, details: Callable[[], str] = str) -> Any:
    """The first truthy value of `check()`, polled every `every` seconds for at most `timeout`; on
    timeout the test fails with `what` and `details()` (e.g. the processes' logs)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    pytest.fail(f"{what}: not within {timeout:.0f} s\n{details()}")
