"""Replica lag in /readyz and /metrics: said when read replicas are configured, absent when not, and
never a reason for /readyz to answer 503 (the primary still serves every read)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from fangkong.core import health

TOKEN = "r" * 40


def _figures(client) -> dict[str, str]:
    body = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode()
    return dict(line.rsplit(" ", 1) for line in body.splitlines() if not line.startswith("#"))


@pytest.mark.django_db
@override_settings(FANGKONG_METRICS_TOKEN=TOKEN)
def test_without_a_replica_nothing_is_said_about_replicas(client):
    health.worker_heartbeat_write()
    assert health.replica_aliases() == []
    body = client.get("/readyz").json()
    assert "replicas" not in body and body["status"] == "ok"
    assert not [name for name in _figures(client) if "replica" in name]


@pytest.mark.django_db
@override_settings(FANGKONG_METRICS_TOKEN=TOKEN, FANGKONG_REPLICA_DATABASES=["default"])
def test_a_replica_lag_is_reported_and_does_not_take_the_process_out(client, monkeypatch):
    health.worker_heartbeat_write()
    monkeypatch.setattr(health, "replica_lag", lambda alias: 2.5)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["replicas"] == {"default": {"ok": True, "lag_seconds": 2.5}}
    figures = _figures(client)
    assert figures['fangkong_replica_lag_seconds{database="default"}'] == "2.5"
    assert figures['fangkong_replica_up{database="default"}'] == "1"


@pytest.mark.postgres
@pytest.mark.django_db
@override_settings(FANGKONG_METRICS_TOKEN=TOKEN, FANGKONG_REPLICA_DATABASES=["default"])
def test_a_primary_configured_as_a_replica_is_reported_as_not_one(client):
    """The real query, on the test server (a primary): the usual mistake after a failover."""
    health.worker_heartbeat_write()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["replicas"]["default"]["ok"] is False
    assert "not a replica" in response.json()["replicas"]["default"]["error"]
    figures = _figures(client)
    assert figures['fangkong_replica_up{database="default"}'] == "0"
    assert 'fangkong_replica_lag_seconds{database="default"}' not in figures
