"""/healthz, /readyz and /metrics: what a load balancer and a scraper see."""

from __future__ import annotations

import subprocess
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings

from fangkong.core import health, metrics
from fangkong.core.roles import Role
from fangkong.core.tasks import worker_heartbeat_minute

from ..factories import make_user
from .prodenv import ROOT, manage, prod_env

TOKEN = "t" * 40


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would raise
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_unavailable_until_the_worker_beats_then_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] and body["checks"]["queue"]["ok"] and body["checks"]["cache"]["ok"]
    assert body["checks"]["worker"] == {"ok": False, "error": "no heartbeat from the job worker", "ms": body["checks"]["worker"]["ms"]}

    worker_heartbeat_minute.call_local()  # what the consumer runs each minute
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["heartbeat_age_seconds"] < 5
    assert "sessionid" not in response.cookies  # a probe opens no session


@pytest.mark.django_db
def test_readyz_fails_on_a_stale_heartbeat_and_on_a_broken_dependency(client, monkeypatch):
    health.worker_heartbeat_write(now=time.time() - health.WORKER_STALE_AFTER - 10)
    body = client.get("/readyz").json()
    assert body["checks"]["worker"]["ok"] is False and "s old" in body["checks"]["worker"]["error"]

    health.worker_heartbeat_write()

    def down(*args, **kwargs):
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setattr(health, "queue_counts", down)
    monkeypatch.setitem(health.CHECKS, "queue", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    # The kind of failure only: no host names or credentials to an unauthenticated caller.
    assert response.json()["checks"]["queue"]["error"] == "ConnectionError"
    assert "secret-host" not in response.content.decode()


@pytest.mark.django_db
def test_metrics_needs_a_token_or_a_staff_login(client):
    assert client.get("/metrics").status_code == 401
    with override_settings(FANGKONG_METRICS_TOKEN=TOKEN):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
        assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    worker = make_user("metrics-grid", Role.GRID_WORKER)
    client.force_login(worker)
    assert client.get("/metrics").status_code == 401  # signed in is not enough: staff only
    worker.is_staff = True
    worker.save()
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
@override_settings(FANGKONG_METRICS_TOKEN=TOKEN)
def test_metrics_counts_responses_by_class_and_reports_queue_and_heartbeat(client):
    health.worker_heartbeat_write(now=time.time() - 20)
    client.get("/healthz")
    client.get("/no-such-page/")
    client.get("/accounts/login/")
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    figures = dict(line.rsplit(" ", 1) for line in response.content.decode().splitlines() if not line.startswith("#"))
    assert int(figures['fangkong_http_responses_total{class="2xx"}']) >= 2
    assert int(figures['fangkong_http_responses_total{class="4xx"}']) >= 1
    assert figures['fangkong_job_queue_depth{state="pending"}'] == "0"
    assert 19 <= float(figures["fangkong_worker_heartbeat_age_seconds"]) < 30
    assert figures['fangkong_ready{check="database"}'] == "1" and figures['fangkong_ready{check="worker"}'] == "1"


def test_counts_are_kept_while_the_cache_is_down(monkeypatch):
    counts = metrics._Counts()
    counts.add(200)

    def down(*args, **kwargs):
        raise ConnectionError

    monkeypatch.setattr(metrics.cache, "add", down)
    counts.flush()
    assert counts.pending["2xx"] == 1
    monkeypatch.undo()
    counts.flush()
    assert not counts.pending and cache.get("fangkong:metrics:responses:2xx") == 1


@pytest.mark.anyhour  # the production settings in a fresh interpreter, which the moved clock never reaches
def test_the_probes_are_not_redirected_to_https_in_production(tmp_path):
    """Production redirects plain HTTP to HTTPS; a probe on gunicorn's port must get its answer."""
    script = (
        "from django.test import Client; c = Client(HTTP_HOST='127.0.0.1');"
        "print(c.get('/healthz').status_code, c.get('/metrics').status_code, c.get('/accounts/login/').status_code)"
    )
    env = prod_env(tmp_path, FANGKONG_SSL_REDIRECT="1")
    run = subprocess.run(manage("shell", "-c", script), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split()[-3:] == ["200", "401", "301"]


def test_connection_is_checked_before_reuse():
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
