"""A migrated SQLite test database kept between runs (var/test-db/), keyed by everything that shapes it.

Django makes each run's in-memory SQLite test database by running every migration: about 30 CPU-seconds
per pytest-xdist worker, rendering the project state of each migration. The result depends only on the
migration files and the installed packages, so the first run on a tree keeps a copy (SQLite's backup
API) and later runs (the moved-clock legs of .ci/run, a developer's next run) restore it into memory in
milliseconds. A changed migration, Django or any installed package gives another key, hence a fresh
migrate. `FANGKONG_TEST_DB_CACHE=0` turns it off. PostgreSQL runs are untouched."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sqlite3
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.backends.sqlite3.creation import DatabaseCreation

_original = DatabaseCreation.create_test_db


def cache_key() -> str:
    digest = hashlib.sha256(sys.version.encode())
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions()):
        digest.update(dist.encode())
    for app in sorted(apps.get_app_configs(), key=lambda a: a.label):
        digest.update(app.label.encode())
        folder = Path(app.path) / "migrations"
        for path in sorted(folder.glob("*.py")) if folder.is_dir() else ():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def create_test_db(self: DatabaseCreation, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
    name = self._get_test_db_name()
    if keepdb or not self.is_in_memory_db(name) or self.connection.settings_dict["TEST"].get("MIGRATE") is False:
        return _original(self, verbosity, autoclobber, serialize, keepdb)
    folder = Path(settings.VAR_DIR) / "test-db"
    kept = folder / f"migrated-{cache_key()}.sqlite3"
    if not kept.exists():
        created = _original(self, verbosity, autoclobber, serialize, keepdb)
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{kept.name}.{os.getpid()}"
        with sqlite3.connect(partial) as target:
            self.connection.connection.backup(target)
        target.close()
        os.replace(partial, kept)  # two workers may both write it: the last complete copy wins
        return created
    from django.core.management import call_command

    self.connection.close()
    settings.DATABASES[self.connection.alias]["NAME"] = name
    self.connection.settings_dict["NAME"] = name
    self.connection.ensure_connection()
    with sqlite3.connect(kept) as source:
        source.backup(self.connection.connection)
    source.close()
    if serialize:
        self.connection._test_serialized_contents = self.serialize_db_to_string()
    call_command("createcachetable", database=self.connection.alias)
    return name


def install() -> None:
    if os.environ.get("FANGKONG_TEST_DB_CACHE", "1") != "0":
        DatabaseCreation.create_test_db = create_test_db
