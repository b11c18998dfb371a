"""Every trigger function of the project runs without PostgreSQL's JIT (fangkong.core.triggers): a
row trigger over the registry compiled its statement on every call (70 ms against 0.5 ms)."""

from __future__ import annotations

import pytest
from django.db import connection

from fangkong.core.triggers import trigger_functions

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def settings_of(name: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(proconfig, '{}') FROM pg_proc WHERE proname = %s", [name])
        return cursor.fetchone()[0]


def test_every_trigger_function_runs_without_jit():
    with connection.cursor() as cursor:
        names = trigger_functions(cursor, "")
    # the three apps that keep derived tables by triggers, each with its functions
    assert {n.split("_")[0] for n in names} >= {"zoning", "livelihood", "volunteers"}
    assert [n for n in names if "jit=off" not in settings_of(n)] == []
