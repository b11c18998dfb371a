"""The application's side of tests/ops/test_read_replica.py, run in its own process against a real
streaming pair: DATABASE_URL names the primary, DATABASE_REPLICA_URL the replica (config.settings.base
then installs fangkong.core.dbrouting). Prints one JSON line: per step, the status and how many
queries each database answered (the router's own lag checks left out).

    python -m tests.ops.replica_client     # with DATABASE_URL and DATABASE_REPLICA_URL set
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from fangkong.core import dbrouting, health  # noqa: E402
from fangkong.core.roles import Role  # noqa: E402
from fangkong.policy.regimen import local_date  # noqa: E402

from ..factories import ensure_reference_data, make_tree, make_user  # noqa: E402

LAG_CHECK = "pg_is_in_recovery"


@contextmanager
def counted() -> Iterator[dict[str, Any]]:
    seen: dict[str, Any] = {"default": 0, "replica": 0, "replica_tables": set()}

    def recorder(alias: str):  # type: ignore[no-untyped-def]
        def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            if LAG_CHECK not in sql:
                seen[alias] += 1
                if alias == "replica":
                    seen["replica_tables"].update(re.findall(r'FROM "(\w+)"', sql))
            return execute(sql, params, many, context)

        return wrapper

    with ExitStack() as stack:
        for alias in ("default", "replica"):
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield seen
    seen["replica_tables"] = sorted(seen["replica_tables"])[:5]


def replica_sql(sql: str) -> Any:
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def wait_replayed(timeout: float = 30) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        lsn = cursor.fetchone()[0]
    deadline = time.monotonic() + timeout
    while not replica_sql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn"):  # noqa: S608 - an LSN the server gave
        if time.monotonic() > deadline:
            raise RuntimeError("the replica did not catch up")
        time.sleep(0.1)


def step(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    dbrouting.forget_checks()
    with counted() as seen:
        response = getattr(client, method)(url, data or {})
    return {
        "status": response.status_code,
        "primary_queries": seen["default"],
        "replica_queries": seen["replica"],
        "replica_tables": seen["replica_tables"],
        "location": response.get("Location", ""),
        "marked": dbrouting.RECENT_WRITE_COOKIE in response.cookies,
    }


def main() -> dict[str, Any]:
    setup_test_environment()
    assert settings.DATABASE_ROUTERS == [dbrouting.ROUTER], settings.DATABASE_ROUTERS
    ensure_reference_data()
    tree = make_tree()
    command = make_user("command", Role.COMMAND_CENTRE, [("city", None)])
    community = make_user("community", Role.COMMUNITY_WORKER, [("community", tree.community)])
    wait_replayed()
    out: dict[str, Any] = {"replica_in_recovery": replica_sql("SELECT pg_is_in_recovery()")}

    board = Client()
    board.force_login(command)
    out["board"] = step(board, "get", reverse("reports:board"))

    # Read your own write: replay paused, the bound wide (lag alone would not send reads away).
    settings.FANGKONG_REPLICA_MAX_LAG = 3600
    replica_sql("SELECT pg_wal_replay_pause()::text")
    yesterday = local_date(timezone.now()) - dt.timedelta(days=1)  # a past day: open at any hour
    writer = Client()
    writer.force_login(community)
    out["write"] = step(
        writer,
        "post",
        reverse("daily:open"),
        {"level": "community", "place": tree.community.pk, "date": yesterday.isoformat()},
    )
    export = out["write"]["location"].replace("/", " ").split()[-1]  # …/daily/<pk>/
    export_url = reverse("daily:export", args=[int(export), "xlsx"])
    out["own_read"] = step(writer, "get", export_url)
    other = Client()
    other.force_login(community)
    out["other_read_stale"] = step(other, "get", export_url)

    # Bounded staleness: replay still paused, the report's commit received but not replayed.
    settings.FANGKONG_REPLICA_MAX_LAG = 1.0
    deadline = time.monotonic() + 20
    while (lag := health.replica_lag("replica")) <= 1.5 and time.monotonic() < deadline:
        time.sleep(0.2)
    out["lag_seconds_paused"] = round(lag, 2)
    out["board_lagging"] = step(board, "get", reverse("reports:board"))
    out["other_read_lagging"] = step(other, "get", export_url)

    replica_sql("SELECT pg_wal_replay_resume()::text")
    wait_replayed()
    out["lag_seconds_resumed"] = round(health.replica_lag("replica"), 2)
    out["board_resumed"] = step(board, "get", reverse("reports:board"))
    out["other_read_resumed"] = step(other, "get", export_url)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
