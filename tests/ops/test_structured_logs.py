"""Production's request log: one JSON line per request, with the route and never the person.

A request carrying a name, an ID number and a phone — in its query string, in a POSTed search, in the
path of a page that does not exist — and a signed-in look at a person whose name is that name: the lines
logged (the request lines and Django's own "Not Found" warning) hold the request id, the user's id,
the route template, the status and the duration, and none of the name or the numbers, plain or escaped."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.urls import reverse

from fangkong.core.logjson import JsonFormatter, RouteOnlyFilter
from fangkong.core.logmask import PersonalDataFilter
from fangkong.core.roles import Role

from ..factories import ensure_reference_data, make_person, make_tree, make_user
from .prodenv import ROOT

NAME = "欧阳秀英"
ID_NUMBER = "150102199003071237"
PHONE = "13912348765"


@pytest.fixture
def captured():
    """What the production console handler would write (its formatter and filters), for the request
    logger and Django's request warnings."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RouteOnlyFilter())
    handler.addFilter(PersonalDataFilter())
    loggers = [logging.getLogger("fangkong.request"), logging.getLogger("django.request")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.INFO)
    yield out
    for lg, level in zip(loggers, levels, strict=True):
        lg.removeHandler(handler)
        lg.setLevel(level)


@pytest.mark.django_db
def test_request_lines_are_json_with_the_route_and_no_personal_data(client, captured):
    ensure_reference_data()
    tree = make_tree()
    person = make_person(tree.household, name=NAME, id_number=ID_NUMBER, phone=PHONE)
    user = make_user("log-office", Role.DISTRICT_OFFICE, grants=[("district", tree.district)])
    client.force_login(user)

    search = reverse("geo:person_search")
    client.get(f"{search}?q={NAME}&id_number={ID_NUMBER}&phone={PHONE}", HTTP_X_REQUEST_ID="lb-7f3a9c21")
    client.post(search, {"q": ID_NUMBER, "name": NAME, "phone": PHONE})
    assert client.get(f"/nowhere/{NAME}/{ID_NUMBER}/?p={PHONE}").status_code == 404
    detail = client.get(reverse("geo:person", args=[person.pk]))
    assert detail.status_code == 200

    output = captured.getvalue()
    escaped = NAME.encode("unicode_escape").decode("ascii")
    for secret in (NAME, escaped, escaped.lower(), ID_NUMBER, ID_NUMBER.lower(), PHONE, "/nowhere"):
        assert secret not in output, output
    lines = [json.loads(line) for line in output.splitlines()]
    requests = [line for line in lines if line["logger"] == "fangkong.request"]
    assert [(r["method"], r["route"]) for r in requests] == [
        ("GET", "/places/people/"),
        ("POST", "/places/people/"),
        ("GET", "<unmatched>"),
        ("GET", "/places/people/<int:pk>/"),
    ]
    assert all(r["user_id"] == user.pk and r["duration_ms"] >= 0 and r["level"] == "INFO" for r in requests)
    assert requests[0]["request_id"] == "lb-7f3a9c21"  # the proxy's id is kept
    assert requests[3]["request_id"] == detail["X-Request-ID"] and len(detail["X-Request-ID"]) == 32
    assert [r["status"] for r in requests][2:] == [404, 200]
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert not_found and not_found[0]["message"] == "Not Found: <unmatched>" and not_found[0]["request_id"] == requests[2]["request_id"]


@pytest.mark.django_db
def test_a_forged_request_id_is_replaced(client, captured):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=f"{ID_NUMBER} <script>")
    assert response["X-Request-ID"] != f"{ID_NUMBER} <script>" and len(response["X-Request-ID"]) == 32
    assert ID_NUMBER not in captured.getvalue()


@pytest.mark.anyhour  # the production settings in a fresh interpreter, which the moved clock never reaches
def test_the_production_settings_log_json_with_the_request_line_on():
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    from ..accounts.test_prod_settings import GOOD_DATA_KEY, GOOD_PASS_KEY, GOOD_SECRET_KEY

    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": GOOD_SECRET_KEY,
        "FANGKONG_DATA_KEY": GOOD_DATA_KEY,
        "FANGKONG_PASS_SIGNING_KEY": GOOD_PASS_KEY,
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "FANGKONG_VAR_DIR": "/tmp/fangkong-prod-check",
    }
    code = (
        "import django; django.setup(); import logging\n"
        "assert logging.getLogger('fangkong.request').isEnabledFor(logging.INFO)\n"
        "logging.getLogger('fangkong.request').info('request', extra={'route': '/x/', 'status': 200})\n"
        f"logging.getLogger('django.request').warning('Not Found: /x/%s', '{PHONE}')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert lines[0]["route"] == "/x/" and lines[0]["status"] == 200 and lines[0]["level"] == "INFO"
    assert lines[1]["message"] == "Not Found: /x/***********" and PHONE not in result.stderr
