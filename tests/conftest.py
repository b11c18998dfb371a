"""Shared fixtures: two communities in two districts, users of several roles, and a browser."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection

from fangkong.core.roles import Role

from .clock import afternoon_clock
from .factories import Tree, ensure_reference_data, make_person, make_tree, make_user

# ---- the whole session's wall clock (FANGKONG_TEST_CLOCK) ----

CLOCK_VARIABLE = "FANGKONG_TEST_CLOCK"
_session_clock = None  # the time_machine.travel started for the session
_session_clock_target = None  # where it started (aware, Beijing)
_session_clock_started = None  # time.monotonic() when it started (monotonic is never moved)


def session_clock_target():
    """The Beijing wall-clock time FANGKONG_TEST_CLOCK asks for, or None when it is unset.

    `HH:MM` is that time today (Beijing's today); a full ISO date and time (`2022-11-14T00:05`, read
    as Beijing time unless it names an offset) is that moment. CI runs the suite at 00:05, 07:55,
    08:05 and 23:55 Beijing, so a test that passes only at some hours cannot come back."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    value = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not value:
        return None
    beijing = ZoneInfo("Asia/Shanghai")
    try:
        if "T" in value or " " in value:
            moment = dt.datetime.fromisoformat(value)
            return moment if moment.tzinfo else moment.replace(tzinfo=beijing)
        wall = dt.time.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"{CLOCK_VARIABLE}={value!r}: give HH:MM (Beijing, today) or an ISO date and time") from None
    return dt.datetime.combine(dt.datetime.now(beijing).date(), wall, tzinfo=beijing)


def pytest_configure(config):
    """Moves the clock of the whole session (collection, database set-up, every test, the browser
    tests' live server, which runs in this process) to FANGKONG_TEST_CLOCK, ticking from there.
    Tests that travel themselves (time_machine.travel, the time_machine fixture) nest inside it and
    return to it when they stop. The clock is given as a timestamp, so the process time zone
    (Django's Asia/Shanghai) is left as it is."""
    global _session_clock, _session_clock_target, _session_clock_started
    from .sqlite_template import install

    install()  # the migrated SQLite test database, kept between runs (tests/sqlite_template.py)
    target = session_clock_target()
    if target is None or _session_clock is not None:
        return
    import time

    import time_machine

    _session_clock = time_machine.travel(target.timestamp(), tick=True)
    _session_clock.start()
    _session_clock_target, _session_clock_started = target, time.monotonic()


def pytest_unconfigure(config):
    global _session_clock, _session_clock_target, _session_clock_started
    if _session_clock is not None:
        _session_clock.stop()
        _session_clock = _session_clock_target = _session_clock_started = None


def session_clock_expected():
    """Where the session clock should be now (it ticks from its target), or None when it was not moved."""
    import datetime as dt
    import time

    if _session_clock is None:
        return None
    return _session_clock_target + dt.timedelta(seconds=time.monotonic() - _session_clock_started)


def pytest_report_header(config):
    if _session_clock is not None:
        return f"clock: {CLOCK_VARIABLE} moved the session to {_session_clock_target.isoformat()} (Beijing), ticking"
    return None


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Chinese). A request in English leaves English
    active on the thread (LocaleMiddleware does not switch back), and a later test that builds text
    outside a request then read English: test order decided whether it passed."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _cache_cleared():
    """Counters kept in the cache (search limits, login failures) start at zero in every test: the
    in-memory cache outlives a test, and a later test's user may get the same primary key."""
    from django.core.cache import cache

    cache.clear()
    from fangkong.policy.rules import rules_read_end

    rules_read_end()  # a streamed answer (an export) may leave its request's policy reading open


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Each test stores its uploads and reports (encrypted: fangkong.core.filestore) in its own directory."""
    settings.FANGKONG_PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.FANGKONG_PRIVATE_FILES_ROOT


def pytest_ignore_collect(collection_path, config):
    """tests/fuzz (schemathesis over the API schema) is its own CI leg: collected only when the run
    selects it (`-m fuzz`), never in the plain run nor the moved-clock legs."""
    if collection_path.name == "fuzz" and collection_path.parent == Path(__file__).parent:
        return "fuzz" not in (config.getoption("markexpr") or "")
    return None


def pytest_collection_modifyitems(config, items):
    on_postgres = connection.vendor == "postgresql"
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://…)")
    skip_nodb = pytest.mark.skip(reason="touches no database: its run on SQLite is the same test")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "nodb" in item.keywords and on_postgres:
            item.add_marker(skip_nodb)
        if item.path.name.startswith("test_migration_"):
            item.add_marker(pytest.mark.anyhour)  # a migration's rows do not depend on the hour


@dataclass
class City:
    home: Tree  # 新城区 › 中山东路街道 › 迎宾南路社区 (the community worker's)
    neighbour: Tree  # same community, another grid
    elsewhere: Tree  # 回民区 › 环河街街道 › 某社区 (outside the community worker's grants)


@pytest.fixture
def city(db) -> City:
    ensure_reference_data()
    home = make_tree()
    neighbour = make_tree(grid="第二网格", building="2号楼", household="202")
    elsewhere = make_tree(district_code="150103", street="环河街街道", community="通顺社区", grid="第一网格", compound="通顺小区")
    make_person(home.household, "王秀英", phone="13800001111", tags=["elderly_alone"])
    make_person(home.household, "李建国")
    make_person(neighbour.household, "赵敏")
    make_person(elsewhere.household, "马丽", phone="13900002222")
    return City(home, neighbour, elsewhere)


@pytest.fixture
def users(city):
    return {
        "command": make_user("command", Role.COMMAND_CENTRE, [("city", None)]),
        "district": make_user("district", Role.DISTRICT_OFFICE, [("district", city.home.district)]),
        "street": make_user("street", Role.STREET_OFFICE, [("street", city.home.street)]),
        "community": make_user("community", Role.COMMUNITY_WORKER, [("community", city.home.community)]),
        "grid": make_user("grid", Role.GRID_WORKER, [("grid", city.home.grid)]),
        "nogrant": make_user("nogrant", Role.COMMUNITY_WORKER, []),
        "auditor": make_user("auditor", Role.AUDITOR, [("city", None)]),
        "admin": make_user("admin", Role.SYSTEM_ADMIN, [("city", None)]),
    }


# ---- browser (Playwright driving Debian's chromium) ----

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        if os.environ.get("FANGKONG_REQUIRE_E2E"):
            pytest.fail("chromium is not installed but FANGKONG_REQUIRE_E2E is set")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); browser tests skipped")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    user_data = tempfile.mkdtemp(prefix="fk-chromium-")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            user_data, executable_path=path, headless=True, args=CHROMIUM_FLAGS, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        yield context
        context.close()
    shutil.rmtree(user_data, ignore_errors=True)


_browser_clock_moved = False


@pytest.fixture
def page(browser):
    """A new tab. When this test's clock is moved (FANGKONG_TEST_CLOCK, beijing_afternoon, the test's
    own time_machine.travel started before it asks for `page`), the browser's clock is set to the
    same time first and ticks on from there (Playwright's clock), so the pages' scripts — the 快转
    board's countdowns — agree with the live server, which runs in this process on the moved clock.
    Once moved it is set again for every later page (to the real time, when that test does not travel)."""
    global _browser_clock_moved
    import time

    import time_machine

    if time_machine.escape_hatch.is_travelling() or _browser_clock_moved:
        browser.clock.set_system_time(time.time())
        _browser_clock_moved = True
    page = browser.new_page()
    yield page
    page.close()
    browser.clear_cookies()


@pytest.fixture(scope="session", autouse=True)
def _sqlite_template(django_db_setup, django_db_blocker, tmp_path_factory) -> Path | None:
    """On SQLite, a file copy of this worker's freshly migrated test database, taken before any test
    runs (so before a transactional test flushes the reference data): tests whose subprocesses need a
    migrated database file copy it (migrated_sqlite_file) instead of running `manage.py migrate`,
    which takes about 30 CPU-seconds each time."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return None  # PostgreSQL, or no test here asked for the database (so none was made)
    import sqlite3

    path = tmp_path_factory.mktemp("sqlite-template") / "migrated.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        with sqlite3.connect(path) as target:
            connection.connection.backup(target)
        target.close()
    return path


@pytest.fixture
def migrated_sqlite_file(_sqlite_template, tmp_path) -> Path:
    """A migrated SQLite database file of this test's own, with the migrations' reference data."""
    if _sqlite_template is None:
        pytest.skip("a SQLite database file: this run is on PostgreSQL")
    path = tmp_path / "migrated.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    return path


@pytest.fixture(scope="session", autouse=True)
def _stray_connections_closed(django_db_setup, django_db_blocker):
    """Browser tests' live-server threads and the concurrency tests' threads may leave a connection
    open; on PostgreSQL that blocks dropping the test database at the end (and leaves it behind)."""
    yield
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def beijing_afternoon():
    """For tests of demo data that places events "earlier today" (Beijing): just after midnight
    there is no earlier today, and those events land yesterday, past their same-day deadlines.
    Moves the clock to the afternoon (afternoon_clock) for the test."""
    with afternoon_clock() as start:
        yield start
