"""Settings shared by every environment. Values come from the environment with demo defaults;
config.settings.prod refuses to start with the demo secrets."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config import dburl

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("FANGKONG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Demo secrets: fine on a laptop, refused by config.settings.prod.
DEMO_SECRET_KEY = "demo-insecure-fangkong-secret-key-change-me-in-production"
DEMO_DATA_KEY = "ZmFuZ2tvbmctZGVtby1kYXRhLWtleS0zMi1ieXRlcyE="  # base64 of 32 bytes

SECRET_KEY = os.environ.get("SECRET_KEY", DEMO_SECRET_KEY)
FANGKONG_DATA_KEY = os.environ.get("FANGKONG_DATA_KEY", DEMO_DATA_KEY)
# The Ed25519 seed of the vehicle passes (fangkong.movement.signing); unset outside production: a key
# generated once into var/pass-signing-key. config.settings.prod refuses to start without it.
FANGKONG_PASS_SIGNING_KEY = os.environ.get("FANGKONG_PASS_SIGNING_KEY", "")
# Older data keys, still read while `manage.py rotate_data_key` moves every row to the current one
# (docs/operator-guide.md §5b): comma-separated, newest first; removed once the rotation has finished.
FANGKONG_DATA_KEYS_RETIRED = tuple(k.strip() for k in os.environ.get("FANGKONG_DATA_KEYS_RETIRED", "").split(",") if k.strip())
DEBUG = os.environ.get("DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "fangkong.accounts.apps.FangkongAdminConfig",  # django.contrib.admin, its login sent to ours
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "huey.contrib.djhuey",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "fangkong.core",
    "fangkong.accounts",
    "fangkong.audit",
    "fangkong.policy",
    "fangkong.geo",
    "fangkong.results",
    "fangkong.notifications",
    "fangkong.zoning",
    "fangkong.imports",
    "fangkong.testing",
    "fangkong.cases",
    "fangkong.isolation",
    "fangkong.volunteers",
    "fangkong.movement",
    "fangkong.livelihood",
    "fangkong.flags",
    "fangkong.supervision",
    "fangkong.reports",
    "fangkong.demo",
]

MIDDLEWARE = [
    "fangkong.core.metrics.RequestCountMiddleware",  # first: every answer counted by status class (/metrics)
    "fangkong.core.requestlog.RequestLogMiddleware",  # one line per request: route, status, duration (JSON in production)
    "django.middleware.security.SecurityMiddleware",
    "fangkong.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fangkong.core.middleware.SecurityHeadersMiddleware",  # below WhiteNoise: static files are not its business
    "fangkong.core.dbrouting.RecentWriteMiddleware",  # reads after the browser's own write: the primary (no-op without replicas)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fangkong.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fangkong.accounts.sessions.SessionExpiryMiddleware",  # a session signed in before the fixed expiry gets one
    "django_otp.middleware.OTPMiddleware",
    "fangkong.accounts.middleware.SecondFactorMiddleware",
    "fangkong.accounts.middleware.TemporaryPasswordMiddleware",
    "fangkong.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fangkong.core.middleware.SiteNotFoundMiddleware",  # the site's 404 page, never the debug one
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fangkong.core.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": dburl.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'fangkong.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # A kept connection is checked (one round trip) before the first query of each request: after
        # a database restart or a killed backend, the request opens a new one instead of answering 500.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the Huey consumer write progress while pages read.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("FANGKONG_PG_RANDOM_PAGE_COST", "1.1"):
    # The planner's cost of a random page read, per session (decision 0004). At PostgreSQL's default 4
    # (spinning disks) look-ups of 10,000–50,000 keys were planned as scans of whole tables: the
    # registry's 3.3 million people per sampling request, every tube of the round per lab upload.
    # The registry and the round's tables live in memory or on SSD; 1.1 is PostgreSQL's own advice
    # for SSD. FANGKONG_PG_RANDOM_PAGE_COST="" leaves the server's setting.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    cost = os.environ.get("FANGKONG_PG_RANDOM_PAGE_COST", "1.1")
    options["options"] = f"{options.get('options', '')} -c random_page_cost={float(cost)}".strip()
# Read replicas (decision 0009, docs/operator-guide.md §7b): DATABASE_REPLICA_URL names one or more
# PostgreSQL streaming replicas (comma between URLs) → aliases "replica", "replica2" …. The boards,
# reports, exports and public lists read from the first whose replay is at most
# FANGKONG_REPLICA_MAX_LAG seconds behind (else from the primary); a browser that wrote in the last
# FANGKONG_READ_OWN_WRITES_SECONDS reads from the primary; every write goes to the primary.
FANGKONG_REPLICA_MAX_LAG = float(os.environ.get("FANGKONG_REPLICA_MAX_LAG", "5"))
FANGKONG_REPLICA_CHECK_SECONDS = float(os.environ.get("FANGKONG_REPLICA_CHECK_SECONDS", "1"))
FANGKONG_READ_OWN_WRITES_SECONDS = int(os.environ.get("FANGKONG_READ_OWN_WRITES_SECONDS", "15"))
DATABASE_ROUTERS: list[str] = []
for _n, _url in enumerate(u.strip() for u in os.environ.get("DATABASE_REPLICA_URL", "").split(",") if u.strip()):
    _replica = {
        **DATABASES["default"],
        **dburl.parse(_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True),
        "TEST": {"MIRROR": "default"},  # tests never create a database for it
    }
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "connect_timeout": 3, **_replica.get("OPTIONS", {})}
    _replica["OPTIONS"].pop("target_session_attrs", None)
    DATABASES["replica" if _n == 0 else f"replica{_n + 1}"] = _replica
    DATABASE_ROUTERS = ["fangkong.core.dbrouting.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Every password check goes through the sign-in throttle and audit (fangkong.accounts.services.signin).
AUTHENTICATION_BACKENDS = ["fangkong.accounts.backends.GuardedModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fangkong.accounts.passwords.ContextWordsValidator"},
]
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# Sign-in throttle (fangkong.accounts.throttle): free failures per account (and per known browser)
# and per client address, then a wait of DELAY_SECONDS doubling per failure up to MAX_DELAY_MINUTES;
# counts are forgotten after FORGET_HOURS without a failure.
FANGKONG_LOGIN_MAX_FAILURES = int(os.environ.get("FANGKONG_LOGIN_MAX_FAILURES", "5"))
FANGKONG_LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("FANGKONG_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
FANGKONG_LOGIN_DELAY_SECONDS = int(os.environ.get("FANGKONG_LOGIN_DELAY_SECONDS", "60"))
FANGKONG_LOGIN_MAX_DELAY_MINUTES = int(os.environ.get("FANGKONG_LOGIN_MAX_DELAY_MINUTES", "60"))
FANGKONG_LOGIN_FORGET_HOURS = int(os.environ.get("FANGKONG_LOGIN_FORGET_HOURS", "24"))
FANGKONG_LOGIN_DEVICE_DAYS = int(os.environ.get("FANGKONG_LOGIN_DEVICE_DAYS", "90"))  # a known browser's cookie
# Reverse proxies whose X-Forwarded-For is believed (fangkong.core.netaddr), e.g. "127.0.0.1".
FANGKONG_TRUSTED_PROXIES = tuple(a.strip() for a in os.environ.get("FANGKONG_TRUSTED_PROXIES", "").split(",") if a.strip())
# API tokens (fangkong.accounts.services.tokens): sign-in tokens from POST /api/token/ last hours,
# personal tokens from 我的账号 at most this many days.
FANGKONG_API_TOKEN_SIGN_IN_HOURS = int(os.environ.get("FANGKONG_API_TOKEN_SIGN_IN_HOURS", "12"))
FANGKONG_API_TOKEN_MAX_DAYS = int(os.environ.get("FANGKONG_API_TOKEN_MAX_DAYS", "90"))
# Searches by a full phone or ID number (or trailing ID digits beyond the four shown) per user:
# (at most N, per S seconds). Past either, the search is refused and audited (fangkong.geo.services).
FANGKONG_NUMBER_SEARCH_LIMITS: tuple[tuple[int, int], ...] = ((30, 10 * 60), (200, 24 * 3600))
# Roles that must pass a TOTP second factor; empty in the demo, set in production.
FANGKONG_SECOND_FACTOR_ROLES: tuple[str, ...] = ()
# Outgoing webhooks (fangkong.notifications.addresses): receivers are posted to on public addresses
# only; hosts named here (as written in the URL, comma-separated) may be internal, e.g. the city's SMS
# gateway on the government network. FANGKONG_WEBHOOK_PROXY: an http:// proxy to send them through;
# empty: direct, and the environment's HTTP(S)_PROXY is not used.
FANGKONG_WEBHOOK_ALLOWED_HOSTS = tuple(h.strip() for h in os.environ.get("FANGKONG_WEBHOOK_ALLOWED_HOSTS", "").split(",") if h.strip())
FANGKONG_WEBHOOK_PROXY = os.environ.get("FANGKONG_WEBHOOK_PROXY", "")

# Content-Security-Policy (fangkong.core.csp, docs/security.md): script only from this origin's files.
# Origins added to img-src, e.g. a map-tile server: FANGKONG_CSP_IMG_EXTRA="https://tiles.example.org".
FANGKONG_CSP_IMG_EXTRA = tuple(os.environ.get("FANGKONG_CSP_IMG_EXTRA", "").replace(",", " ").split())
# The risk-area map's tile layer (fangkong.zoning.map), a Leaflet URL template such as
# "https://{s}.tiles.example.org/{z}/{x}/{y}.png"; empty (the default, offline): outlines and places
# without tiles. Its origin is added to the map page's img-src.
FANGKONG_MAP_TILE_URL = os.environ.get("FANGKONG_MAP_TILE_URL", "")
FANGKONG_MAP_TILE_ATTRIBUTION = os.environ.get("FANGKONG_MAP_TILE_ATTRIBUTION", "")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded import and lab files and error reports hold full ID numbers and phones: they are kept
# encrypted under this private directory (fangkong.core.filestore; 0700, files 0600), which no URL
# serves — there is no MEDIA_URL. Downloads go through scoped, audited views. MEDIA_ROOT is only
# where earlier versions left plaintext uploads (a migration encrypts them into the store).
FANGKONG_PRIVATE_FILES_ROOT = Path(os.environ.get("FANGKONG_PRIVATE_FILES_ROOT", VAR_DIR / "private"))
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An upload larger than that is spooled to a temporary file while the request runs (then encrypted
# into the store and the temporary deleted): in a private directory, not the shared /tmp.
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "upload-tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fangkong.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "fangkong.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "fangkong.core.schema.AutoSchema",  # every operation declares its Error answers
    "EXCEPTION_HANDLER": "fangkong.core.api.domain_exception_handler",
}
# The API schema and its docs pages (/api/schema/, /api/docs/, /api/redoc/): open to anyone in the
# demo, behind login in production (config.settings.prod).
FANGKONG_API_DOCS_PUBLIC = os.environ.get("FANGKONG_API_DOCS_PUBLIC", "1") == "1"

# Response headers (fangkong.core.middleware.SecurityHeadersMiddleware). The Content-Security-Policy
# hook: a non-empty FANGKONG_CONTENT_SECURITY_POLICY is sent on every page (set it once no template
# needs inline script); empty sends none.
FANGKONG_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()"
)
FANGKONG_CONTENT_SECURITY_POLICY = ""

SPECTACULAR_SETTINGS = {
    "TITLE": "fangkong API",
    "DESCRIPTION": "Epidemic-response command platform: places, households and people, scoped to the caller's jurisdiction.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets shared by several fields (or whose field names other apps use too) get one name each.
    "ENUM_NAME_OVERRIDES": {
        "ClassificationEnum": "fangkong.cases.choices.Classification",
        "CaseStatusEnum": "fangkong.cases.choices.CaseStatus",
        "FoundInEnum": "fangkong.zoning.choices.FoundIn",
        "CaseSourceEnum": "fangkong.cases.choices.CaseSource",
        "HandCaseSourceEnum": "fangkong.cases.api.serializers.HAND_SOURCE_CHOICES",
        "FacilityKindEnum": "fangkong.cases.choices.FacilityKind",
        "BedTypeEnum": "fangkong.cases.choices.BedType",
        "TransferStatusEnum": "fangkong.cases.choices.TransferStatus",
        "TransferReasonEnum": "fangkong.cases.choices.TransferReason",
        "MonitoringStatusEnum": "fangkong.cases.choices.MonitoringStatus",
        "ResultEnum": "fangkong.results.choices.Result",  # one vocabulary for every test result
        "IsolationSiteKindEnum": "fangkong.isolation.choices.SiteKind",
        "IsolationRoomTypeEnum": "fangkong.isolation.choices.RoomType",
        "IsolationEpisodeKindEnum": "fangkong.isolation.choices.EpisodeKind",
        "IsolationEpisodeStatusEnum": "fangkong.isolation.choices.EpisodeStatus",
        "IsolationTestPhaseEnum": "fangkong.isolation.choices.TestPhase",
        "IsolationHandoverStatusEnum": "fangkong.isolation.choices.HandoverStatus",
        "IsolationTransportModeEnum": "fangkong.isolation.choices.TransportMode",
        "ContactKindEnum": "fangkong.isolation.choices.ContactKind",
        "ContactStateEnum": "fangkong.isolation.choices.ContactState",
        "ExposureTypeEnum": "fangkong.isolation.choices.ExposureType",
        "VolunteerStatusEnum": "fangkong.volunteers.choices.VolunteerStatus",
        "VolunteerShiftStatusEnum": "fangkong.volunteers.choices.AssignmentStatus",
        "VolunteerPointKindEnum": "fangkong.volunteers.choices.PointKind",
        "DeploymentKindEnum": "fangkong.volunteers.choices.DeploymentKind",
        "CadreRankEnum": "fangkong.zoning.choices.CadreRank",
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache carries job progress between the Huey consumer and the web process, so it must be
# shared between processes: Redis in production, files under var/ in the embedded default.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "fangkong.core.rediscache.RedisCache", "LOCATION": REDIS_URL}}  # one client per pool
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}}
# Every key carries the database's identity (dburl.cache_prefix): deployments sharing one Redis
# never read each other's entries.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("FANGKONG_CACHE_PREFIX") or dburl.cache_prefix(DATABASES["default"])
if REDIS_URL:
    HUEY = {
        # Any number of consumers, on any machines, on this one queue (fangkong.core.jobqueue): task
        # locks that expire (FANGKONG_JOB_LOCK_TTL) instead of flush_locks at start — which released
        # the locks another consumer held — and each periodic task once per minute across them all.
        "huey_class": "fangkong.core.jobqueue.RedisHuey",
        "name": os.environ.get("FANGKONG_QUEUE_NAME") or "fangkong",  # deployments sharing one Redis database: one name each
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "fangkong.core.jobqueue.SqliteHuey",
        "name": "fangkong",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 1, "worker_type": "thread"},
    }
# A task lock (fangkong.core.jobqueue.job_lock) expires this many seconds after its last renewal; the
# running task renews it every third of that. A consumer that dies frees its locks within it.
FANGKONG_JOB_LOCK_TTL = float(os.environ.get("FANGKONG_JOB_LOCK_TTL") or 30)

# Every handler and the loggers that write request lines run the personal-data filter (runs of 11+
# digits — ID numbers, phones — blanked): the second line of defence behind "no personal data in any
# URL" (fangkong.core.logmask). `django` and `django.server` get their own handlers here, so Django's
# defaults (which would print unfiltered) are replaced; gunicorn's logs: gunicorn.conf.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "fangkong.core.logmask.PersonalDataFilter"}},
    "formatters": {"django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["personal_data"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "filters": ["personal_data"]},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False, "filters": ["personal_data"]},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False, "filters": ["personal_data"]},
        "django.db.backends": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
        # fangkong.core.requestlog's line per request: on in production (config.settings.prod), quiet here.
        "fangkong.request": {"level": os.environ.get("FANGKONG_REQUEST_LOG_LEVEL", "WARNING")},
    },
}
OTP_TOTP_ISSUER = "fangkong"

# /metrics (fangkong.core.metrics): the scraper's bearer token; empty, only signed-in staff read it.
FANGKONG_METRICS_TOKEN = os.environ.get("FANGKONG_METRICS_TOKEN", "")
