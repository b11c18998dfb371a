"""Fault drill: a gunicorn worker killed with SIGKILL in the middle of a request (issue 20, item 3).

gunicorn runs with the production settings against the test database, one worker. A POST whose body
never finishes arriving keeps the worker inside the request (Django is reading the body); the worker
is then killed with SIGKILL. The in-flight request gets no answer (nothing of it was committed); the
master starts a new worker, and the next requests — the probe, and /metrics, which queries the
database and Redis — answer 200 again without restarting anything."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection

from .prodenv import ROOT, prod_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TOKEN = "k" * 40


def _spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": "127.0.0.1", "Authorization": f"Bearer {TOKEN}"})
    status = conn.getresponse().status
    conn.close()
    return status


def _workers(master: int) -> list[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return [int(p) for p in found.split()]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_request_is_replaced_and_the_next_requests_answer(tmp_path):
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = _spare_port()
    env = prod_env(tmp_path, DATABASE_URL=url, FANGKONG_SSL_REDIRECT="0", FANGKONG_METRICS_TOKEN=TOKEN)
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        for _ in range(120):
            try:
                if _get(port, "/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.5)
        assert _get(port, "/metrics") == 200
        (worker,) = _workers(server.pid)

        # A request the worker is in the middle of: the headers promise a body that does not come.
        stuck = socket.create_connection(("127.0.0.1", port), timeout=30)
        stuck.sendall(
            b'POST /api/token/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"username": "a'
        )
        time.sleep(1.0)
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        reply = stuck.recv(1024)
        assert reply == b"", reply  # the in-flight request gets no answer: closed, nothing written
        stuck.close()

        answered = None
        while time.monotonic() - killed_at < 30:
            try:
                if _get(port, "/healthz") == 200:
                    answered = time.monotonic() - killed_at
                    break
            except OSError:
                time.sleep(0.2)
        assert answered is not None, "no answer within 30 s of the kill"
        assert _workers(server.pid) and worker not in _workers(server.pid)  # a new worker, same master
        assert _get(port, "/metrics") == 200  # the database and Redis through the new worker
        print(f"worker killed mid-request: answering again after {answered:.1f} s")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
