"""Database connections: the demo server closes its connections, production keeps and checks them."""

from __future__ import annotations

import json
import subprocess

import pytest

from .prodenv import ROOT, manage, prod_env

pytestmark = pytest.mark.anyhour  # settings read in a fresh interpreter, which the moved clock never reaches

PRINT = (
    "from django.conf import settings; import json; d = settings.DATABASES['default'];"
    "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
)


def _connection_settings(env: dict[str, str]) -> list:
    run = subprocess.run(manage("shell", "-v0", "-c", PRINT), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_demo_server_on_postgresql_keeps_no_connection(tmp_path):
    """runserver answers each request in a thread of its own; a connection kept for CONN_MAX_AGE
    outlives its thread, and 50 users left 43 idle connections behind (issue 20)."""
    env = prod_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.dev")
    assert _connection_settings(env) == [0, True]


def test_production_keeps_connections_and_checks_them(tmp_path):
    assert _connection_settings(prod_env(tmp_path)) == [60, True]
