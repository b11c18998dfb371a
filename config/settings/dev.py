"""Development and demo: the embedded SQLite database, demo secrets allowed."""

from .base import *  # noqa: F403

DEBUG = True
