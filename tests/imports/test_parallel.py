"""Large imports seal rows in a forked worker: same results as the serial path, and no orphan worker."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from django.db import transaction

from fangkong.core.crypto import decrypt
from fangkong.geo.models import Person

from .conftest import big_csv, new_id, row, write_csv
from .helpers import error_rows, run_import
from .test_command import _child_env, _kill_after_first_chunk, _start


class _Rollback(Exception):
    pass


def _people() -> list[tuple]:
    out = []
    for p in Person.objects.select_related("household__unit__building__compound", "household__grid", "community", "street"):
        h = p.household
        out.append(
            (
                p.name,
                p.id_type,
                p.id_hash,
                decrypt(p.id_cipher),
                p.id_masked,
                p.id_tail,
                p.sex,
                (p.birth_year, p.birth_year_to),
                decrypt(p.birth_cipher) if p.birth_cipher else "",
                p.phone_hash,
                decrypt(p.phone_cipher) if p.phone_cipher else "",
                p.phone_masked,
                sorted(p.tags.values_list("tag", flat=True)),
                (p.street.name, p.community.name, h.grid.name if h.grid else "", h.compound.name, h.building.name, h.unit.name, h.number),
            )
        )
    return sorted(out)


def _rows() -> list[list[str]]:
    number = new_id()
    good = new_id()
    rows = [
        row(f"人{i}", household=f"{i // 3 + 1}01", phone="138-0000-2222" if i % 2 else "", tags="低保" if i % 5 == 0 else "")
        for i in range(30)
    ]
    rows[3] = row("重复甲", number, household="901")
    rows[17] = row("重复乙", " " + number.lower() + " ", household="902")  # a later chunk
    rows[5] = row("错号", good[:17] + ("0" if good[17] != "0" else "1"))
    rows[6] = row("无区", district="不存在区")
    rows[7] = row("性别错", new_id(sex="M"), sex="女")
    rows[8] = row("", new_id())
    rows[9] = row("手机错", phone="12345")
    rows[11] = row("标签错", tags="外星人")
    rows[12] = row("证件类型错", id_type="驾照", sex="X")  # two errors in the person columns
    rows[13] = row("缺户号", household="", birth_date="1990-13-01")  # a place error and a person error
    rows[14] = [""] * len(rows[0])  # a blank line
    rows[15] = row("", "", household="777")  # a place-only row
    rows[16] = row("护照", "E12345678", id_type="护照", sex="女", birth_date="1980-02-03")
    rows[20] = row("外区", street="新街道", community="新社区", grid="")
    return rows


def _run(path: Path, user, monkeypatch, *, parallel: bool) -> tuple:
    from fangkong.imports import importer

    used: list[int] = []
    real = importer.sealed_chunks

    def spy(items, sealer, *, workers=0):
        used.append(workers)
        return real(items, sealer, workers=workers)

    monkeypatch.setattr(importer, "sealed_chunks", spy)
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1 if parallel else 10**9)
    monkeypatch.setattr(importer, "CHUNK_ROWS", 4)  # many chunks, so the pipeline runs ahead
    try:
        with transaction.atomic():
            job = run_import(path, user=user, mode="valid_rows")
            outcome = (
                (job.status, job.rows_total, job.rows_valid, job.error_count, job.people_created, job.households_created),
                job.places_created,
                error_rows(job),
                _people(),
            )
            raise _Rollback
    except _Rollback:
        pass
    assert used == [1 if parallel else 0]
    assert multiprocessing.active_children() == []  # the pool is gone once the run ends
    return outcome


def test_parallel_sealing_gives_the_serial_results(city, users, tmp_path, monkeypatch):
    existing = new_id()
    assert run_import(write_csv(tmp_path / "first.csv", [row("已登记", existing)]), user=users["community"]).status == "succeeded"
    rows = _rows()
    rows[25] = row("已登记二", existing)  # already in the registry
    path = write_csv(tmp_path / "mixed.csv", rows)
    before = Person.objects.count()
    serial = _run(path, users["community"], monkeypatch, parallel=False)
    parallel = _run(path, users["community"], monkeypatch, parallel=True)
    assert serial == parallel
    counts, _places, errors, people = serial
    assert counts[0] == "succeeded" and counts[1] == 29 and counts[3] == len(errors) >= 12
    assert len(people) == before + counts[4] and any(e[0] == "27" and "已在系统中登记" in e[3] for e in errors)
    assert any(e[0] == "19" and "第 5 行" in e[3] for e in errors)


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.anyhour
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker is forked and tied to its parent on Linux")
@pytest.mark.django_db  # the test database is made, and copied to a file for the child
def test_killing_the_import_kills_its_sealing_worker(tmp_path, migrated_sqlite_file):
    """One vendor is enough (the worker never touches the database): SQLite, on a migrated file."""
    db_file = migrated_sqlite_file
    env = _child_env(f"sqlite:///{db_file}", tmp_path)
    path = big_csv(tmp_path / "big.csv", 80_000, street="被中断街道")
    proc, seen = _start(path, env)
    deadline = time.monotonic() + 60
    while not (workers := _children(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers, "the import started no sealing worker"
    _kill_after_first_chunk(proc, seen)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in workers:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            pytest.fail("the sealing worker outlived its killed parent")
