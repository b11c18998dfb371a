"""config.settings.prod refuses to start with the demo secrets, and starts with real ones. (Weak
keys, the demo keys in other encodings and the production headers are attacked in
tests/security/test_auth_prod_settings.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Random values generated once for these tests (secrets.token_urlsafe(64), base64 of os.urandom(32)).
GOOD_SECRET_KEY = "M3s8WV1fiYLVtNtBG-tylu_Fal4yk_LjF0e4o1xsBweCVz3NpluuCVJCuGoDUNC25sNtK_fbllFJJQYO_VSQqQ"
GOOD_DATA_KEY = "lR5fTZZUis6J1ow0Fa1LbQH6b+qSbPwXOqFk0BG9rnc="
GOOD_PASS_KEY = "K/qmrYLBBVQcCrSt7V4HJotuG4yKWLoavZrHi2ybT8g="
GOOD_ENV = {
    "SECRET_KEY": GOOD_SECRET_KEY,
    "FANGKONG_DATA_KEY": GOOD_DATA_KEY,
    "FANGKONG_PASS_SIGNING_KEY": GOOD_PASS_KEY,
    "DATABASE_URL": "postgres://fangkong@127.0.0.1:5432/fangkong",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def import_prod(code: str = "import config.settings.prod", **env: str) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    dropped = {"SECRET_KEY", "FANGKONG_DATA_KEY", "FANGKONG_PASS_SIGNING_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.prod", "FANGKONG_VAR_DIR": "/tmp/fangkong-prod-check", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "SECRET_KEY is the demo key"),
        ({"SECRET_KEY": GOOD_SECRET_KEY}, "FANGKONG_DATA_KEY is the demo key"),
        ({"SECRET_KEY": GOOD_SECRET_KEY, "FANGKONG_DATA_KEY": GOOD_DATA_KEY}, "FANGKONG_PASS_SIGNING_KEY is not set"),
        (
            {"SECRET_KEY": GOOD_SECRET_KEY, "FANGKONG_DATA_KEY": GOOD_DATA_KEY, "FANGKONG_PASS_SIGNING_KEY": GOOD_PASS_KEY},
            "Production runs on PostgreSQL",
        ),
        ({**GOOD_ENV, "REDIS_URL": ""}, "Redis"),
    ],
)
def test_prod_refuses_demo_configuration(env, message):
    result = import_prod(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_prod_starts_with_real_secrets():
    result = import_prod(**GOOD_ENV)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("   ", "FANGKONG_PASS_SIGNING_KEY is not set"),
        ("not base64 at all!", "FANGKONG_PASS_SIGNING_KEY is not standard base64"),
        ("AAAAAAAAAAAAAAAAAAAAAA==", "FANGKONG_PASS_SIGNING_KEY decodes to 16 bytes"),
        ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "FANGKONG_PASS_SIGNING_KEY has low entropy"),
        (GOOD_DATA_KEY, "FANGKONG_PASS_SIGNING_KEY and FANGKONG_DATA_KEY are the same value"),
    ],
)
def test_prod_refuses_to_start_without_a_real_pass_signing_key(value, message):
    """Without it, production would sign passes with a key generated into var/ on each machine, never
    backed up: passes printed on one server would be refused by the next."""
    result = import_prod(**{**GOOD_ENV, "FANGKONG_PASS_SIGNING_KEY": value})
    assert result.returncode != 0
    assert message in result.stderr
