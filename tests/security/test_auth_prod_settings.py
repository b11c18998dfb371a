"""Production settings (security issue item 13): start-up refuses weak and demo keys in any
encoding; the real settings module, serving requests, redirects to HTTPS, sends HSTS and
Permissions-Policy, keeps the API schema and docs behind login and requires the second factor of
the command centre and system administrators. Each check runs config.settings.prod in a fresh
interpreter, as gunicorn would."""

from __future__ import annotations

import base64
import json
import os
import secrets

import pytest
from django.test import override_settings

from config.keychecks import data_key_problems, secret_key_problems
from config.settings.base import DEMO_DATA_KEY, DEMO_SECRET_KEY

from ..accounts.test_prod_settings import GOOD_DATA_KEY, GOOD_ENV, GOOD_SECRET_KEY, import_prod
from .test_auth_tokens import PROD_SECOND_FACTOR_ROLES

pytestmark = pytest.mark.anyhour  # key checks and the production settings (fresh interpreters): nothing here reads the hour

DEMO_DATA_BYTES = base64.b64decode(DEMO_DATA_KEY)


WEAK_SECRET_KEYS = [
    ("", "SECRET_KEY is empty"),
    ("Zq8#vL2!pR5@xT9$", "too short"),
    ("a-real-secret-for-this-test-0123456789", "too short"),
    ("a" * 80, "low entropy"),
    ("Ab3$" * 20, "low entropy"),
    ("0123456789abcdef" * 5, "low entropy"),
    ("django-insecure-" + GOOD_SECRET_KEY, "placeholder"),
    ("please-changeme-" + GOOD_SECRET_KEY, "placeholder"),
    (DEMO_SECRET_KEY, "demo key"),
    (DEMO_SECRET_KEY.upper(), "demo key"),
    (base64.b64encode(DEMO_SECRET_KEY.encode()).decode(), "demo key"),
    (base64.urlsafe_b64encode(DEMO_SECRET_KEY.encode()).decode().rstrip("="), "demo key"),
    (DEMO_SECRET_KEY.encode().hex(), "demo key"),
    (GOOD_SECRET_KEY[:20] + DEMO_SECRET_KEY + GOOD_SECRET_KEY[20:], "demo key"),
    (DEMO_DATA_KEY + GOOD_SECRET_KEY, "demo key"),
]
BAD_DATA_KEYS = [
    (DEMO_DATA_KEY, "demo key"),
    (DEMO_DATA_KEY.rstrip("="), "demo key"),
    (base64.urlsafe_b64encode(DEMO_DATA_BYTES).decode(), "demo key"),
    (DEMO_DATA_BYTES.hex(), "demo key"),
    (DEMO_DATA_BYTES.decode(), "demo key"),
    (base64.b64encode(b"fangkong-prod-data-key-32-bytes!").decode(), "readable text"),
    (base64.b64encode(bytes(32)).decode(), "low entropy"),
    (base64.b64encode(os.urandom(16)).decode(), "16 bytes"),
    (base64.b64encode(os.urandom(48)).decode(), "48 bytes"),
    (base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode(), "not standard base64"),
    ("not base64 at all!", "not standard base64"),
    ("", "0 bytes"),
]
DEMO = (DEMO_SECRET_KEY, DEMO_DATA_KEY)


@pytest.mark.parametrize(("secret_key", "message"), WEAK_SECRET_KEYS, ids=[f"{i}-{m}" for i, (_k, m) in enumerate(WEAK_SECRET_KEYS)])
def test_weak_or_demo_secret_keys_are_refused(secret_key, message):
    problems = " ".join(secret_key_problems(secret_key, demo_values=DEMO))
    assert message in problems
    assert data_key_problems(GOOD_DATA_KEY, demo_values=DEMO) == []


@pytest.mark.parametrize(
    ("data_key", "message"), BAD_DATA_KEYS, ids=[f"{i}-{m}" for i, (_k, m) in enumerate(BAD_DATA_KEYS)]
)  # no random bytes in ids: workers must collect the same tests
def test_data_keys_that_are_not_32_random_bytes_of_base64_are_refused(data_key, message):
    assert message in " ".join(data_key_problems(data_key, demo_values=DEMO))


def test_random_keys_pass():
    for _ in range(200):
        assert secret_key_problems(secrets.token_urlsafe(64), demo_values=DEMO) == []
        assert secret_key_problems(secrets.token_hex(32), demo_values=DEMO) == []
        assert data_key_problems(base64.b64encode(os.urandom(32)).decode(), demo_values=DEMO) == []


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SECRET_KEY", "a-real-secret-for-this-test-0123456789", "too short"),
        ("SECRET_KEY", "Ab3$" * 20, "low entropy"),
        ("SECRET_KEY", base64.b64encode(DEMO_SECRET_KEY.encode()).decode(), "demo key"),
        ("FANGKONG_DATA_KEY", DEMO_DATA_BYTES.hex(), "demo key"),
        ("FANGKONG_DATA_KEY", "not base64 at all!", "not standard base64"),
        ("FANGKONG_DATA_KEY", base64.b64encode(os.urandom(16)).decode(), "16 bytes"),
        ("FANGKONG_DATA_KEY", base64.b64encode(b"fangkong-prod-data-key-32-bytes!").decode(), "readable text"),
    ],
    ids=lambda v: v if len(str(v)) < 20 else "value",  # no random bytes in ids: xdist workers must collect the same tests
)
def test_start_up_refuses_bad_keys(variable, value, message):
    result = import_prod(**{**GOOD_ENV, variable: value})
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    assert value[:12] not in result.stderr  # the refusal does not print the key


def test_start_up_refuses_one_key_for_both_purposes():
    result = import_prod(**{**GOOD_ENV, "SECRET_KEY": GOOD_DATA_KEY * 2, "FANGKONG_DATA_KEY": GOOD_DATA_KEY * 2})
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr


SERVE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings

# Static files are not collected here: plain storage, so pages render without the manifest.
plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
out = {"roles": list(settings.FANGKONG_SECOND_FACTOR_ROLES)}
with override_settings(STORAGES=plain):
    c = Client()
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    r = c.get("/accounts/login/")
    out["http"] = [r.status_code, r.get("Location", "")]
    r = c.get("/accounts/login/", **https)
    out["https"] = [r.status_code, r.get("Strict-Transport-Security", ""), r.get("Permissions-Policy", ""), r.get("Cache-Control", "")]
    r = c.get("/api/docs/", **https)
    out["docs"] = [r.status_code, r.get("Location", "")]
    r = c.get("/api/redoc/", **https)
    out["redoc"] = [r.status_code, r.get("Location", "")]
    r = c.get("/api/schema/", **https)
    out["schema"] = [r.status_code]
    r = c.get("/admin/login/", **https)
    out["admin"] = [r.status_code, r.get("Location", "")]
print("RESULT" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def served():
    result = import_prod(SERVE, **GOOD_ENV, ALLOWED_HOSTS="testserver")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.split("RESULT", 1)[1])


def test_production_redirects_plain_http_to_https(served):
    status, location = served["http"]
    assert status == 301 and location == "https://testserver/accounts/login/"


def test_production_sends_hsts_and_permissions_policy(served):
    status, hsts, permissions, cache = served["https"]
    assert status == 200
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert "camera=()" in permissions and "geolocation=()" in permissions and "microphone=()" in permissions
    assert "no-store" in cache


def test_production_keeps_the_api_schema_and_docs_behind_login(served):
    for page in ("docs", "redoc"):
        status, location = served[page]
        assert status == 302 and location.startswith("/accounts/login/?next=/api/")
    assert served["schema"] == [401]
    assert served["admin"][0] == 302 and served["admin"][1].startswith("/accounts/login/")


def test_production_requires_the_second_factor_of_the_roles_the_token_tests_use(served):
    assert tuple(served["roles"]) == PROD_SECOND_FACTOR_ROLES


def test_production_passes_djangos_deployment_checklist():
    result = import_prod(
        "import django, sys; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')",
        **GOOD_ENV,
        FANGKONG_HSTS_PRELOAD="1",  # W021 (preload) is the operator's choice; everything else must pass
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_the_schema_and_docs_follow_the_setting(client, django_user_model):
    """The same gate in-process: FANGKONG_API_DOCS_PUBLIC=False closes them, signing in opens them."""
    with override_settings(FANGKONG_API_DOCS_PUBLIC=False):
        assert client.get("/api/schema/").status_code in (401, 403)
        assert client.get("/api/docs/").status_code == 302
        user = django_user_model.objects.create_user(username="reader", password="x")
        client.force_login(user)
        assert client.get("/api/schema/").status_code == 200
        assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_the_content_security_policy_hook(client):
    """Not set here (the policy comes with the templates' inline scripts gone); when set it is sent."""
    with override_settings(FANGKONG_CONTENT_SECURITY_POLICY="default-src 'self'"):
        assert client.get("/accounts/login/")["Content-Security-Policy"] == "default-src 'self'"
