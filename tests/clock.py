"""The afternoon clock (beijing_afternoon) and data built once per test module."""

from __future__ import annotations

import contextlib
import sys


@contextlib.contextmanager
def afternoon_clock():
    """Before 14:00 Beijing the clock is moved forward to 14:00 today (never back: rows written
    before stay in the past) and keeps ticking; after 22:00 to 14:00 tomorrow, so that nothing built
    under it crosses midnight; in between it is left alone. Yields the time it starts from."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    now = timezone.localtime()
    afternoon = now.replace(hour=14, minute=0, second=0, microsecond=0)
    if now >= afternoon.replace(hour=22):
        # Late evening: a test that builds its data across midnight finds "today's" events yesterday
        # (the PostgreSQL leg runs at 23:55 and a loaded machine reaches midnight mid-test). 14:00
        # tomorrow, still forward.
        afternoon += dt.timedelta(days=1)
    elif now >= afternoon:
        yield now
        return
    with time_machine.travel(afternoon, tick=True):
        assert timezone.localtime().hour == 14 and timezone.now() > now - dt.timedelta(seconds=1)
        yield afternoon


def built_once_per_module(django_db_blocker, build):
    """For a module-scoped fixture (`yield from built_once_per_module(django_db_blocker, build)`) whose
    data — a demo city of a few thousand people, 8–10 s to generate — every test of the module reads:
    built once on this worker, in the afternoon (afternoon_clock, where the clock stays for the whole
    module, so a test's beijing_afternoon finds it there), inside a transaction that is rolled back
    after the module's last test. Each test still runs in its own transaction inside it (pytest-django,
    savepoints), so what a test writes is gone before the next: every test sees the city as built, as
    when it was built for each test. A test of the module that does not ask for the fixture still sees
    the data once an earlier test has built it: such a test belongs in another module."""
    from django.db import transaction

    with afternoon_clock():
        outer = transaction.atomic()
        with django_db_blocker.unblock():
            outer.__enter__()
            try:
                value = build()
            except BaseException:
                outer.__exit__(*sys.exc_info())
                raise
        try:
            yield value
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
