"""Production: PostgreSQL, Redis and gunicorn. Refuses to start with the demo secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, DEMO_DATA_KEY, DEMO_SECRET_KEY, FANGKONG_DATA_KEY, REDIS_URL, SECRET_KEY

DEBUG = False
if SECRET_KEY == DEMO_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is the demo key: set a secret SECRET_KEY in the environment.")
if FANGKONG_DATA_KEY == DEMO_DATA_KEY:
    raise ImproperlyConfigured("FANGKONG_DATA_KEY is the demo key: set a secret 32-byte base64 key (see docs/operator-guide.md).")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL=postgres://…")
if not REDIS_URL:
    raise ImproperlyConfigured("Production runs background jobs on Redis: set REDIS_URL=redis://…")

FANGKONG_SECOND_FACTOR_ROLES = ("command_centre", "system_admin")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
