"""The schemathesis leg (.ci/run, README "Tests"): a small synthetic city built once for the session
on the throwaway test database, on a fixed clock, and the two callers the fuzzer acts as."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

BEIJING = ZoneInfo("Asia/Shanghai")
# The city and its stories are built "now": on a fixed clock every run sees the same data and dates.
FUZZ_CLOCK = dt.datetime(2022, 11, 15, 10, 0, tzinfo=BEIJING)
SEED = 2022
PEOPLE = 600
ROLES = ("command", "grid")  # the demo accounts: 指挥部 (city) and 网格员 (one grid)

requests_sent: Counter[str] = Counter()  # role → requests, printed at the end of the run


@dataclass(frozen=True)
class Caller:
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}


@pytest.fixture(scope="session")
def fuzz_clock():
    import time_machine

    with time_machine.travel(FUZZ_CLOCK, tick=True):
        yield


@pytest.fixture(scope="session")
def fuzz_city(django_db_setup, django_db_blocker, fuzz_clock) -> dict[str, Caller]:
    """The demo city in small (people, a completed testing round, cases at every stage, isolation
    sites with episodes), the demo accounts, and a sign-in token for each fuzzing role. Written once,
    outside the tests' transactions: each test rolls back to it."""
    from fangkong.accounts.models import User
    from fangkong.accounts.services.tokens import api_token_sign_in
    from fangkong.cases.synthetic import cases_generate
    from fangkong.demo.management.commands.demo_accounts import demo_accounts_ensure
    from fangkong.geo.synthetic import city_generate
    from fangkong.isolation.synthetic import isolation_generate
    from fangkong.testing.synthetic import round_generate

    with django_db_blocker.unblock():
        city_generate(actor=None, people=PEOPLE, seed=SEED)
        round_generate(actor=None, seed=SEED, number=8)
        cases_generate(seed=SEED)
        isolation_generate(seed=SEED)
        demo_accounts_ensure(actor=None)
        return {name: Caller(name, api_token_sign_in(user=User.objects.get(username=name), second_factor=True).key) for name in ROLES}


@pytest.fixture(params=ROLES)
def caller(request, fuzz_city) -> Caller:
    return fuzz_city[request.param]


def pytest_sessionfinish(session):
    """On a pytest-xdist worker: hand this worker's counts to the controller (pytest_testnodedown)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["requests_sent"] = dict(requests_sent)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    requests_sent.update(getattr(node, "workeroutput", {}).get("requests_sent", {}))


def pytest_terminal_summary(terminalreporter):
    if requests_sent:
        counts = ", ".join(f"{role} {n:,}" for role, n in sorted(requests_sent.items()))
        terminalreporter.write_line(f"schemathesis: {sum(requests_sent.values()):,} requests ({counts})")
