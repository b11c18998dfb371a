"""Tests: SQLite in memory unless DATABASE_URL names PostgreSQL; Huey runs tasks at once."""

from .base import *  # noqa: F403
from .base import HUEY, VAR_DIR

HUEY = {**HUEY, "immediate": True}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
FANGKONG_PRIVATE_FILES_ROOT = VAR_DIR / "test-private"  # each test gets its own (tests/conftest.py)
LANGUAGE_CODE = "zh-hans"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The webhook tests' receivers listen on this machine (tests/notifications, tests/movement): allowed
# explicitly, as an operator allows an internal receiver; the attack tests take it away again.
FANGKONG_WEBHOOK_ALLOWED_HOSTS = ("127.0.0.1",)

# Each run gets its own PostgreSQL test database, so parallel runs on one server never collide.
from .base import DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    import os as _os

    DATABASES["default"]["TEST"] = {"NAME": f"test_fangkong_{_os.getpid()}"}

# Transactional tests (Django's TransactionTestCase) empty the database after themselves and, unless
# they restore a serialized copy, let post_migrate create the content types and permissions again,
# under new ids; a later serialized-rollback test (the concurrency and migration tests) then restored
# the old rows beside them and failed on their unique names. These two apps are left out of the
# serialized copy: their rows are made again by post_migrate or on first use.
TEST_NON_SERIALIZED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
