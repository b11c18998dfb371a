"""A checkpoint scan is the hottest request of the checkpoint's phone (200 at once): its statements
are counted so a change that adds one is seen. Before the signed-in account was cached
(fangkong.accounts.signed_in) a scan took 10 round trips on PostgreSQL, 4 of them before the view."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.movement import codes

pytestmark = pytest.mark.django_db


def statements(queries) -> list[str]:
    """The statements sent, without the test's savepoints (BEGIN/COMMIT outside a test)."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_a_scan_reads_the_session_the_checkpoint_and_the_pass_and_writes_two_rows(client, users, checkpoint, approved_pass):
    client.force_login(users["district"])
    body = {"checkpoint": checkpoint.pk, "token": codes.pass_token(approved_pass), "client_ref": uuid.uuid4().hex}
    assert client.post(reverse("movement:scan"), json.dumps(body), content_type="application/json").status_code == 200
    body["client_ref"] = uuid.uuid4().hex
    with CaptureQueriesContext(connection) as ctx:
        answer = client.post(reverse("movement:scan"), json.dumps(body), content_type="application/json")
    assert answer.status_code == 200 and answer.json()["outcome"] == "passed"
    sent = statements(ctx.captured_queries)
    assert [s.split()[0] + " " + s.split('"')[1] for s in sent] == [
        "SELECT django_session",
        "SELECT movement_checkpoint",
        "SELECT movement_vehiclepass",
        "INSERT movement_passscan",
        "INSERT audit_auditevent",
    ]
