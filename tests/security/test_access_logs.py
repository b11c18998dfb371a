"""Item 8, the second line of defence: access lines and log records blank ID numbers and phones.

No page puts a number in a URL any more (test_search_privacy), but a bookmark, a script or a probe
still can, and Django's login redirect copies the whole URL into `?next=`. The real servers are
started here — Django's runserver and gunicorn with the project's gunicorn.conf.py — and asked for
such URLs; their output must carry the requests (paths, status codes) and none of the numbers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fangkong.core.logmask import mask_numbers

from ..accounts.test_prod_settings import GOOD_DATA_KEY, GOOD_PASS_KEY, GOOD_SECRET_KEY

pytestmark = pytest.mark.anyhour  # real servers in their own processes, which the moved clock (FANGKONG_TEST_CLOCK) never reaches

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "15010219850307123X"
PHONE = "13912348765"
URLS = [
    f"/places/people/?q={ID_NUMBER}&phone={PHONE}",  # → 302 to the login page, the URL in ?next=
    f"/nowhere/{ID_NUMBER}/?p=%2B86{PHONE}",  # → 404, "Not Found: …" logged by django.request
    f"/api/people/?q={PHONE}",  # → 401/403 from the API
]


def test_the_mask():
    line = f'"GET /places/people/?q={ID_NUMBER}&n=150102198503071234&p={PHONE}&x=%2086{PHONE} HTTP/1.1" 302 0 1700000000'
    masked = mask_numbers(line)
    assert ID_NUMBER not in masked and PHONE not in masked and "150102198503071234" not in masked
    assert masked.startswith('"GET /places/people/?q=******************&n=******************&p=***********')
    assert 'HTTP/1.1" 302 0 1700000000' in masked  # status, size and a 10-digit epoch are kept


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "FANGKONG_VAR_DIR": str(tmp_path / "var"), "PYTHONUNBUFFERED": "1"}


def request_all(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("the server did not start") from None
            time.sleep(0.2)
    opener = urllib.request.build_opener(NoRedirect)
    for url in URLS:
        with contextlib.suppress(urllib.error.HTTPError):
            opener.open(f"http://127.0.0.1:{port}{url}", timeout=30)
    time.sleep(0.5)  # let the access lines be written


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def assert_masked(output: str, *, access_marker: str) -> None:
    assert access_marker in output, output  # the server did log the requests
    assert "302" in output and "404" in output, output
    assert ID_NUMBER not in output and ID_NUMBER.lower() not in output, output
    assert PHONE not in output, output
    assert "*" * 11 in output


def test_runserver_access_lines_carry_no_number(tmp_path):
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=ROOT,
        env=server_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        request_all(port, proc)
    finally:
        output = stop(proc)
    assert_masked(output, access_marker='"GET /places/people/?q=')
    assert "Not Found: /nowhere/******************/" in output


def test_gunicorn_access_lines_carry_no_number(tmp_path):
    pytest.importorskip("gunicorn")
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=server_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        request_all(port, proc)
    finally:
        output = stop(proc)
    assert_masked(output, access_marker='"GET /places/people/?q=')


def test_the_production_settings_install_the_filter_on_every_handler():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": GOOD_SECRET_KEY,
        "FANGKONG_DATA_KEY": GOOD_DATA_KEY,
        "FANGKONG_PASS_SIGNING_KEY": GOOD_PASS_KEY,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "FANGKONG_VAR_DIR": "/tmp/fangkong-prod-check",
    }
    code = (
        "import django; django.setup(); import logging; from fangkong.core.logmask import PersonalDataFilter as F\n"
        "names = ['', 'django', 'django.request', 'django.server']\n"
        "loggers = [logging.getLogger(n) for n in names]\n"
        "handlers = {h for l in loggers for h in l.handlers} | {h for l in loggers[:1] for h in l.handlers}\n"
        "assert handlers and all(any(isinstance(f, F) for f in h.filters) for h in handlers), handlers\n"
        "assert all(any(isinstance(f, F) for f in l.filters) for l in loggers[:2] + loggers[3:])\n"
        "logging.getLogger('django.request').warning('Not Found: /x/%s', '13912348765')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr
    assert "Not Found: /x/***********" in result.stderr and PHONE not in result.stderr
