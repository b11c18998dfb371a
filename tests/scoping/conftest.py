"""The scoping harness builds its city once per module (Django's setUpTestData, as a fixture): the
world is written inside a transaction opened for the module and rolled back after its last test;
each test runs in a savepoint inside it (pytest-django's `db`), so what a test writes is undone and
the next one sees the same world. Works the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction

from .world import World, build


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def scoped(world, db) -> World:
    """The module's world, in this test's savepoint."""
    return world
