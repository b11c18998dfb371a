"""Django's MigrationExecutor for the migration tests (tests/**/test_migration_*.py), with a cheaper
first pass when migrating backwards.

To unapply migrations Django first walks the whole plan to compute the project state before each of
them, and it renders the state's models (`state.apps`) before that walk: every later step then
re-renders the changed model and every model related to it. Our models all lead to the person and
the user, so each step re-renders about sixty models: about 45 CPU-seconds a backward migrate, most
of a migration test's time. Here the walk mutates the states without rendering them (as
`MigrationLoader.project_state` and a forward migrate do); the state before each migration being
unapplied is rendered once, when that migration is reached, and its operations' states are clones of
it (rendering each operation's states afresh instead cost a third more: the migration tests took
158 s against 116 s). The states are the same; the schema operations and the migrations' RunPython
code run exactly as under `manage.py migrate`."""

from __future__ import annotations

from typing import Any

from django.db.migrations import executor


class MigrationExecutor(executor.MigrationExecutor):
    def _migrate_all_backwards(self, plan, full_plan, fake):
        # Django 5.2's, without `state.apps  # Render all` before the walk (and so without re-rendering
        # the related models at every mutation after it); each state rendered when its migration is unapplied.
        migrations_to_run = {m[0] for m in plan}
        states = {}  # the project state before each migration to unapply
        state = self._create_project_state()
        applied_migrations = {self.loader.graph.nodes[key] for key in self.loader.applied_migrations if key in self.loader.graph.nodes}
        if self.progress_callback:
            self.progress_callback("render_start")
        for migration, _ in full_plan:
            if not migrations_to_run:
                break
            if migration in migrations_to_run:
                states[migration] = state
                state = migration.mutate_state(state, preserve=True)
                migrations_to_run.remove(migration)
            elif migration in applied_migrations:
                migration.mutate_state(state, preserve=False)
        if self.progress_callback:
            self.progress_callback("render_success")

        for migration, _ in plan:
            states[migration].apps  # noqa: B018 - rendered once: its operations' states are clones of it
            self.unapply_migration(states[migration], migration, fake=fake)
            applied_migrations.remove(migration)

        # The state after: from the state before the last migration unapplied, with every migration
        # still applied after it (unrendered, as Django leaves it).
        last_unapplied_migration = plan[-1][0]
        state = states[last_unapplied_migration]
        state.__dict__.pop("apps", None)
        for index, (migration, _) in enumerate(full_plan):
            if migration == last_unapplied_migration:
                for migration, _ in full_plan[index:]:
                    if migration in applied_migrations:
                        migration.mutate_state(state, preserve=False)
                break
        return state


def migrate(*targets: tuple[str, str]) -> Any:
    """Migrate the test database to `targets` (app, migration) and return the historical apps there."""
    from django.db import connection

    MigrationExecutor(connection).migrate(list(targets))
    return MigrationExecutor(connection).loader.project_state(list(targets)).apps


def latest(app: str) -> tuple[str, str]:
    """An app's last migration: a test that migrated back leaves the schema of today for the next."""
    from django.db import connection

    return MigrationExecutor(connection).loader.graph.leaf_nodes(app)[0]
