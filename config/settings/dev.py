"""Development and demo: the embedded SQLite database, demo secrets allowed."""

from .base import *  # noqa: F403

DEBUG = True

# runserver starts a thread per request and Django keeps each thread's connection for CONN_MAX_AGE:
# under load that left dozens of idle PostgreSQL connections behind (threads end, their connections
# wait for the server's timeout). The demo server closes each request's connection at its end.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
