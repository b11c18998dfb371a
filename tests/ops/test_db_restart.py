"""A database restart or a killed backend must not turn into 500s.

gunicorn keeps each worker's connection for CONN_MAX_AGE; after PostgreSQL restarted, each worker
used its dead connection once and answered 500 (issue 20). With CONN_HEALTH_CHECKS the kept
connection is checked at the first query of a request and replaced when it is dead. The test runs
gunicorn with the production settings against the test database, terminates its connection on the
server (pg_terminate_backend), and asks for a page again."""

from __future__ import annotations

import http.client
import secrets
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.test import Client, override_settings

from fangkong.core.roles import Role

from ..factories import make_user
from .prodenv import ROOT, manage, prod_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, session: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Cookie": f"sessionid={session}"}
    conn.request("GET", path, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def _app_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_a_terminated_connection_is_replaced_not_answered_with_500(tmp_path):
    key = secrets.token_urlsafe(64)
    user = make_user("restart-office", Role.DISTRICT_OFFICE)
    with override_settings(SECRET_KEY=key):  # the session must be valid for the server below
        client = Client()
        client.force_login(user)
    session = client.cookies["sessionid"].value
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    url = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = _spare_port()
    env = prod_env(tmp_path, SECRET_KEY=key, DATABASE_URL=url, FANGKONG_SSL_REDIRECT="0", DB_CONN_MAX_AGE="600")
    subprocess.run(manage("collectstatic", "--noinput", "-v0"), cwd=ROOT, env=env, check=True, timeout=300)  # the pages' static files
    ours = set(_app_backends())  # this process's other connections (a live server's thread): not to be killed
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        for _ in range(60):
            try:
                _get(port, "/healthz", session)
                break
            except OSError:
                time.sleep(0.5)
        assert _get(port, "/", session) == 200  # the home page, signed in: the worker now holds a connection
        backends = [pid for pid in _app_backends() if pid not in ours]
        assert backends, "the server kept no connection open"
        with connection.cursor() as cursor:
            for pid in backends:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.5)
        assert _get(port, "/", session) == 200
        assert _get(port, "/", session) == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
