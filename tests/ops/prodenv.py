"""The environment production settings need (fresh random keys, PostgreSQL and Redis URLs), for
subprocesses that run manage.py with config.settings.prod. Nothing connects to the URLs unless the
command itself does."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def prod_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FANGKONG_TEST_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        FANGKONG_DATA_KEY=base64.b64encode(os.urandom(32)).decode(),
        FANGKONG_PASS_SIGNING_KEY=base64.b64encode(os.urandom(32)).decode(),
        DATABASE_URL=os.environ.get("DATABASE_URL", "").startswith("postgres")
        and os.environ["DATABASE_URL"]
        or "postgres://postgres@127.0.0.1:5432/fangkong",
        REDIS_URL="redis://127.0.0.1:6379/0",
        FANGKONG_VAR_DIR=str(var_dir),
    )
    env.update(extra)
    return env


def manage(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]
