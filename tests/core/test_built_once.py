"""core.generations.built_once: after a change replaced a token every web worker misses the shared cache
at once; one of them builds and the others wait for its result instead of each running the same
expensive read (the public list of risk areas: ~1–2 s of PostgreSQL at 20,000 places, 11 s under load,
once per worker before). Threads stand in for the workers; the cache is the test settings' (locmem),
whose `add` is atomic like Redis's."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from fangkong.core import generations
from fangkong.core.generations import built_once


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def herd(n: int, build, **kwargs) -> list:
    """n callers at once, as the workers after a transition."""
    start = threading.Barrier(n)
    got: list = [None] * n

    def one(i: int) -> None:
        start.wait()
        try:
            got[i] = built_once("k:token-1", build, seconds=60, usable=lambda v: v is not None, **kwargs)
        except RuntimeError as exc:
            got[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return got


def test_one_caller_builds_and_the_others_get_its_result():
    builds = []

    def build():
        builds.append(1)
        time.sleep(0.3)  # long enough for every other caller to miss and wait
        return ["row"]

    got = herd(5, build)
    assert len(builds) == 1
    assert got == [["row"]] * 5


def test_what_is_kept_is_not_built_again():
    cache.set("k:token-1", ["kept"], 60)
    assert built_once("k:token-1", lambda: pytest.fail("built again"), seconds=60, usable=lambda v: v is not None) == ["kept"]


def test_an_unusable_entry_is_built_again():
    cache.set("k:token-1", ("expired",), 60)
    got = built_once("k:token-1", lambda: ("fresh",), seconds=60, usable=lambda v: v == ("fresh",))
    assert got == ("fresh",) and cache.get("k:token-1") == ("fresh",)


def test_a_failed_builder_does_not_leave_the_others_waiting():
    calls = []

    def build():
        calls.append(threading.get_ident())
        if len(calls) == 1:
            time.sleep(0.2)
            raise RuntimeError("the database went away")
        return ["row"]

    start = time.monotonic()
    got = herd(3, build, wait=10.0)
    assert time.monotonic() - start < 5  # not the 10 s wait: the lock was released
    failed = [g for g in got if isinstance(g, RuntimeError)]
    assert len(failed) == 1 and got.count(["row"]) == 2  # the failed caller's error is its own; the others built


def test_without_the_shared_cache_every_caller_builds(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    for name in ("get", "add", "set", "delete"):
        monkeypatch.setattr(generations.cache, name, down)
    assert built_once("k:token-1", lambda: ["row"], seconds=60, usable=lambda v: v is not None) == ["row"]
