"""manage.py import_people: summary, exit status, and a kill midway that leaves nothing behind."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from fangkong.geo.models import District, Household, Person, Street

from .conftest import big_csv, row, write_csv

ROOT = Path(settings.BASE_DIR)


def test_command_imports_and_prints_the_summary(city, users, tmp_path, capsys):
    path = write_csv(tmp_path / "ok.csv", [row("甲"), row("乙")])
    call_command("import_people", str(path), "--mode", "strict", "--user", "community", verbosity=0)
    out = capsys.readouterr().out
    assert "succeeded" in out and "created people 2" in out
    assert Person.objects.filter(name__in=["甲", "乙"]).count() == 2


def test_command_exits_non_zero_when_errors_stop_the_import(city, users, tmp_path, capsys):
    path = write_csv(tmp_path / "bad.csv", [row("甲"), row("乙", "150102199001011234")])
    report = tmp_path / "errors.csv"
    with pytest.raises(SystemExit) as exc:
        call_command("import_people", str(path), "--mode", "strict", "--errors-to", str(report), verbosity=0)
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert "rolled_back" in out and "error report:" in out and f"written to {report}" in out
    assert report.exists() and "证件号码" in report.read_text(encoding="utf-8-sig")
    assert report.stat().st_mode & 0o777 == 0o600
    assert not Person.objects.filter(name="甲").exists()


def test_command_respects_the_users_jurisdiction(city, users, tmp_path):
    path = write_csv(tmp_path / "out.csv", [row("外区", district="回民区", street="环河街街道", community="通顺社区")])
    with pytest.raises(SystemExit):
        call_command("import_people", str(path), "--mode", "valid-rows", "--user", "community", verbosity=0)
    assert not Person.objects.filter(name="外区").exists()


# ---- killed midway -----------------------------------------------------------------------------

KILL_ROWS = 80_000


def _start(path: Path, env: dict[str, str]) -> tuple[subprocess.Popen, list[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "import_people", str(path), "--mode", "strict"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen: list[bytes] = []

    def pump() -> None:
        while chunk := proc.stderr.read1(4096):
            seen.append(chunk)

    threading.Thread(target=pump, daemon=True).start()
    return proc, seen


def _kill_after_first_chunk(proc: subprocess.Popen, seen: list[bytes], timeout: float = 120) -> None:
    """Wait until the progress bar shows written rows (the first chunk is in the open transaction), then SIGKILL."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(rb"\b[1-9][0-9.]*k/", b"".join(seen)):
            break
        assert proc.poll() is None, b"".join(seen).decode(errors="replace")[-2000:]
        time.sleep(0.05)
    else:
        pytest.fail("the import did not get going in time")
    assert proc.poll() is None, "the import finished before it could be killed: make the file bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _child_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.test", FANGKONG_VAR_DIR=str(tmp_path / "var"))
    return env


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_import_killed_midway_leaves_no_rows_postgres(tmp_path):
    from fangkong.geo.hohhot import DISTRICTS

    for code, name, kind, _share, _streets in DISTRICTS:  # a transactional test may start from a flushed database
        District.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    path = big_csv(tmp_path / "big.csv", KILL_ROWS, street="被中断街道")
    proc, seen = _start(path, _child_env(url, tmp_path))
    _kill_after_first_chunk(proc, seen)
    assert Person.objects.count() == 0
    assert Household.objects.count() == 0
    assert not Street.objects.filter(name="被中断街道").exists()


@pytest.mark.slow
@pytest.mark.anyhour
@pytest.mark.django_db  # the test database is made, and copied to a file for the child
def test_import_killed_midway_leaves_no_rows_sqlite(tmp_path, migrated_sqlite_file):
    """SQLite's test database lives in memory, so this run uses its own migrated file database."""
    db_file = migrated_sqlite_file
    env = _child_env(f"sqlite:///{db_file}", tmp_path)
    path = big_csv(tmp_path / "big.csv", KILL_ROWS, street="被中断街道")
    proc, seen = _start(path, env)
    _kill_after_first_chunk(proc, seen)
    with sqlite3.connect(db_file) as db:
        assert db.execute("SELECT count(*) FROM geo_person").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM geo_household").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM geo_street WHERE name = '被中断街道'").fetchone()[0] == 0
        assert db.execute("SELECT status FROM imports_importjob").fetchone()[0] == "running"
        assert db.execute("SELECT count(*) FROM geo_district").fetchone()[0] == 9
