"""The read router (fangkong.core.dbrouting, decision 0009) without a real replica: which database a
read goes to, decided from the replica's lag (faked here), the browser's recent write and the
primary's transaction; the recent-write cookie; the settings DATABASE_REPLICA_URL makes; the failover
URL with two hosts. The real streaming replica is tests/ops/test_read_replica.py."""

from __future__ import annotations

import json
import subprocess

import pytest
from django.db import connections
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from config import dburl
from fangkong.core import dbrouting
from fangkong.core.dbrouting import PRIMARY, RECENT_WRITE_COOKIE, RecentWriteMiddleware, ReplicaRouter, replica_reads

from ..ops.prodenv import ROOT, manage, prod_env

ON = {"DATABASE_ROUTERS": [dbrouting.ROUTER], "FANGKONG_REPLICA_DATABASES": ["replica"], "FANGKONG_REPLICA_MAX_LAG": 5.0}


@pytest.fixture
def lag(monkeypatch):
    """The replica's lag the router sees: a number, or an exception (down, promoted)."""
    state: dict = {"value": 0.2, "checks": 0}

    def fake(alias):
        state["checks"] += 1
        if isinstance(state["value"], Exception):
            raise state["value"]
        return state["value"]

    monkeypatch.setattr(dbrouting, "replica_lag", fake)
    dbrouting.forget_checks()
    yield state
    dbrouting.forget_checks()


def read_alias(request=None) -> tuple[str | None, str]:
    with replica_reads(request) as chosen:
        return chosen, ReplicaRouter().db_for_read(None)


def test_without_a_replica_every_read_is_the_primarys(lag):
    assert read_alias() == (None, PRIMARY)
    assert lag["checks"] == 0


@override_settings(**ON)
def test_a_board_reads_the_replica_within_the_bound_and_the_primary_beyond(lag):
    assert read_alias() == ("replica", "replica")
    assert ReplicaRouter().db_for_read(None) == PRIMARY  # outside replica_reads: the primary
    lag["value"] = 7.5
    dbrouting.forget_checks()
    assert read_alias() == (None, PRIMARY)
    lag["value"] = RuntimeError("not a replica (not in recovery)")
    dbrouting.forget_checks()
    assert read_alias() == (None, PRIMARY)


@override_settings(**ON, FANGKONG_REPLICA_CHECK_SECONDS=60)
def test_the_lag_is_checked_once_per_interval(lag):
    for _ in range(5):
        read_alias()
    assert lag["checks"] == 1


@override_settings(**ON)
def test_a_browser_that_wrote_recently_reads_the_primary(lag):
    request = RequestFactory().get("/board/")
    request.COOKIES[RECENT_WRITE_COOKIE] = "1"
    assert read_alias(request) == (None, PRIMARY)
    assert lag["checks"] == 0
    assert read_alias(RequestFactory().get("/board/")) == ("replica", "replica")


@override_settings(**ON)
def test_reads_inside_a_transaction_on_the_primary_stay_there(lag, monkeypatch):
    monkeypatch.setattr(connections[PRIMARY], "in_atomic_block", True)
    assert read_alias() == ("replica", PRIMARY)


@override_settings(**ON)
def test_writes_go_to_the_primary_and_migrations_skip_the_replica(lag):
    from fangkong.geo.models import District

    router = ReplicaRouter()

    with replica_reads():
        assert router.db_for_write(District) == PRIMARY
    assert router.allow_migrate("replica", "geo") is False
    assert router.allow_migrate(PRIMARY, "geo") is None


def _respond(request, *, write_model=None):
    def view(_request):
        if write_model is not None:
            ReplicaRouter().db_for_write(write_model)
        return HttpResponse("ok")

    return RecentWriteMiddleware(view)(request)


@override_settings(**ON, FANGKONG_READ_OWN_WRITES_SECONDS=15)
def test_the_recent_write_cookie_follows_writes_not_reads(lag):
    from fangkong.audit.models import AuditEvent
    from fangkong.geo.models import District

    rf = RequestFactory()
    posted = _respond(rf.post("/daily/open/"))
    assert posted.cookies[RECENT_WRITE_COOKIE]["max-age"] == 15 and posted.cookies[RECENT_WRITE_COOKIE]["httponly"]
    assert RECENT_WRITE_COOKIE not in _respond(rf.get("/board/")).cookies
    assert RECENT_WRITE_COOKIE in _respond(rf.get("/x/"), write_model=District).cookies  # a GET that wrote
    assert RECENT_WRITE_COOKIE not in _respond(rf.get("/x/"), write_model=AuditEvent).cookies  # an export's audit event


def test_the_cookie_is_not_set_without_replicas():
    assert RECENT_WRITE_COOKIE not in _respond(RequestFactory().post("/daily/open/")).cookies


def test_a_failover_url_keeps_both_hosts():
    config = dburl.parse("postgres://app:pw@10.0.0.1:5433,10.0.0.2:5435/fangkong?target_session_attrs=read-write", conn_max_age=60)
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"], config["PASSWORD"]) == (
        "10.0.0.1,10.0.0.2",
        "5433,5435",
        "fangkong",
        "app",
        "pw",
    )
    assert config["OPTIONS"]["target_session_attrs"] == "read-write" and config["CONN_MAX_AGE"] == 60
    assert dburl.parse("postgres://app@db:5432/fangkong")["HOST"] == "db"


def test_database_replica_url_adds_the_replica_and_the_router(tmp_path):
    show = (
        "from django.conf import settings; import json; r = settings.DATABASES['replica'];"
        "print(json.dumps([settings.DATABASE_ROUTERS, r['HOST'], r['PORT'], r['TEST'],"
        " r['OPTIONS'].get('connect_timeout'), sorted(settings.DATABASES)]))"
    )
    env = prod_env(tmp_path, DATABASE_REPLICA_URL="postgres://fangkong@10.0.0.2:5435/fangkong, postgres://fangkong@10.0.0.3:5432/fangkong")
    run = subprocess.run(manage("shell", "-v0", "-c", show), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    routers, host, port, test, timeout, aliases = json.loads(run.stdout.strip().splitlines()[-1])
    assert routers == [dbrouting.ROUTER] and (host, port) == ("10.0.0.2", 5435)
    assert test["MIRROR"] == "default" and timeout == 3
    assert aliases == ["default", "replica", "replica2"]
