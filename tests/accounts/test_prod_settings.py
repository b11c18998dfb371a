"""config.settings.prod refuses to start with the demo secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def import_prod(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FANGKONG_DATA_KEY", "DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings.prod"],
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
        ({"SECRET_KEY": "a-real-secret-for-this-test-0123456789"}, "FANGKONG_DATA_KEY is the demo key"),
        (
            {"SECRET_KEY": "a-real-secret-for-this-test-0123456789", "FANGKONG_DATA_KEY": "c2VjcmV0LWRhdGEta2V5LWZvci10aGUtdGVzdC0zMmI="},
            "Production runs on PostgreSQL",
        ),
    ],
)
def test_prod_refuses_demo_configuration(env, message):
    result = import_prod(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_prod_starts_with_real_secrets():
    result = import_prod(
        SECRET_KEY="a-real-secret-for-this-test-0123456789",
        FANGKONG_DATA_KEY="c2VjcmV0LWRhdGEta2V5LWZvci10aGUtdGVzdC0zMmI=",
        DATABASE_URL="postgres://fangkong@127.0.0.1:5432/fangkong",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
