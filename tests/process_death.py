"""A worker process dying at its next COMMIT, for transactional tests (`django_db(transaction=True)`:
in an ordinary test every block is a savepoint of the test's transaction and nothing commits)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


class Killed(BaseException):
    """The process ends here: a BaseException, so no `except Exception` of the job records anything."""


@contextmanager
def dies_at_commit(*, after: bool, using: str = DEFAULT_DB_ALIAS, error: BaseException | None = None) -> Iterator[None]:
    """The process dies at the next COMMIT on `using`: once the database has completed it (`after`,
    the kill landing between the COMMIT and whatever the job does next), or before it was sent (the
    server rolls the transaction back when the connection drops). With `error` (a DatabaseError) the
    process lives on and the COMMIT fails with it instead."""
    connection = connections[using]
    real_commit = connection.commit
    fired: list[bool] = []

    def commit() -> None:
        del connection.commit  # once
        fired.append(True)
        if after:
            real_commit()
        else:
            connection.rollback()
        raise error or Killed()

    connection.commit = commit
    try:
        yield
    finally:
        connection.__dict__.pop("commit", None)
    assert fired, "no COMMIT happened: is the test transactional?"
