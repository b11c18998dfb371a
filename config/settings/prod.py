"""Production: PostgreSQL, Redis and gunicorn behind a TLS-terminating proxy.

Refuses to start with weak or demo secrets (config.keychecks), without FANGKONG_PASS_SIGNING_KEY
(no key generated into var/ in production), without PostgreSQL or Redis.
Sends HSTS, redirects plain HTTP to HTTPS, keeps the API schema and docs behind login and requires
a TOTP second factor for the command centre and system administrators."""

import copy
import os

from django.core.exceptions import ImproperlyConfigured

from config.keychecks import data_key_problems, pass_signing_key_problems, secret_key_problems

from .base import *  # noqa: F403
from .base import (
    DATABASES,
    DEMO_DATA_KEY,
    DEMO_SECRET_KEY,
    FANGKONG_DATA_KEY,
    FANGKONG_DATA_KEYS_RETIRED,
    FANGKONG_METRICS_TOKEN,
    FANGKONG_PASS_SIGNING_KEY,
    REDIS_URL,
    SECRET_KEY,
)

DEBUG = False
FANGKONG_PRODUCTION = True  # manage.py serve_prod (python3 dev.py prod) runs only with these settings
_DEMO_KEYS = (DEMO_SECRET_KEY, DEMO_DATA_KEY)
for _problems in (
    secret_key_problems(SECRET_KEY, demo_values=_DEMO_KEYS),
    data_key_problems(FANGKONG_DATA_KEY, demo_values=_DEMO_KEYS),
    pass_signing_key_problems(FANGKONG_PASS_SIGNING_KEY, demo_values=_DEMO_KEYS, data_key=FANGKONG_DATA_KEY),
):
    if _problems:
        raise ImproperlyConfigured(" ".join(_problems))
for _retired in FANGKONG_DATA_KEYS_RETIRED:  # the old key of a rotation (§5b): a real 32-byte key, demo or not
    if _problems := [p for p in data_key_problems(_retired, demo_values=()) if "FANGKONG_DATA_KEY" in p]:
        raise ImproperlyConfigured("FANGKONG_DATA_KEYS_RETIRED: " + " ".join(_problems))
if SECRET_KEY.strip() == FANGKONG_DATA_KEY.strip():
    raise ImproperlyConfigured("SECRET_KEY and FANGKONG_DATA_KEY are the same value: use two different random keys.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL=postgres://…")
if FANGKONG_METRICS_TOKEN and len(FANGKONG_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("FANGKONG_METRICS_TOKEN is shorter than 32 characters: use a random token.")
if not REDIS_URL:
    raise ImproperlyConfigured("Production runs background jobs on Redis: set REDIS_URL=redis://…")

FANGKONG_SECOND_FACTOR_ROLES = ("command_centre", "system_admin")
FANGKONG_API_DOCS_PUBLIC = False

# HTTPS only. TLS ends at the proxy (nginx, the city's gateway), which must set (overwrite, never
# pass on) X-Forwarded-Proto — see docs/operator-guide.md.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The proxy on this machine (gunicorn listens on 127.0.0.1): its X-Forwarded-For names the client.
FANGKONG_TRUSTED_PROXIES = tuple(a.strip() for a in os.environ.get("FANGKONG_TRUSTED_PROXIES", "127.0.0.1,::1").split(",") if a.strip())
# The probes and the scraper talk to gunicorn directly, on plain HTTP (fangkong.core.health, .metrics).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_SSL_REDIRECT = os.environ.get("FANGKONG_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("FANGKONG_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("FANGKONG_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
SECURE_HSTS_PRELOAD = os.environ.get("FANGKONG_HSTS_PRELOAD", "0") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Permissions-Policy: FANGKONG_PERMISSIONS_POLICY from base (no camera, microphone, geolocation …).
# Content-Security-Policy: FANGKONG_CONTENT_SECURITY_POLICY (base), the hook for the policy that
# forbids inline script once the templates have none.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Logs: one JSON object per line (fangkong.core.logjson) with the request id, the user's id, the route
# (never the raw path or query), the status and the duration (fangkong.core.requestlog); long numbers
# blanked on every handler (fangkong.core.logmask); Django's own request warnings name the route.
# FANGKONG_LOG_FORMAT=text keeps base's plain lines.
if os.environ.get("FANGKONG_LOG_FORMAT", "json") == "json":
    LOGGING = copy.deepcopy(LOGGING)  # noqa: F405
    LOGGING["formatters"]["json"] = {"()": "fangkong.core.logjson.JsonFormatter"}
    LOGGING["filters"]["route_only"] = {"()": "fangkong.core.logjson.RouteOnlyFilter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"
    LOGGING["handlers"]["console"]["filters"] = ["route_only", "personal_data"]
    LOGGING["loggers"]["fangkong.request"] = {"level": os.environ.get("FANGKONG_REQUEST_LOG_LEVEL", "INFO")}
