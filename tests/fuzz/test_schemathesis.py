"""Schemathesis over the whole OpenAPI schema (issue 12, "Keep them closed"), as the command centre
and as a grid worker, in process (the WSGI app, the throwaway test database): no answer is a 5xx,
and every answer has a documented status code, content type and body.

Deterministic: a fixed seed, no example database, the city built on a fixed clock (conftest), the
operations in the schema's order. Bounded: MAX_EXAMPLES generated requests per operation on top of
the coverage phase's (boundary and malformed values, unexpected methods), about 10,500 requests in
all; .ci/run stops the leg after 7 minutes (timeout 420). A finding is fixed in the code (or the schema)
with a regular regression test, never by excluding the operation."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

from .conftest import SEED, requests_sent

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MAX_EXAMPLES = 10
CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none", "mode": "all"},
    "phases": {"stateful": {"enabled": False}},
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
REAL_IDS = 13  # a generated id from 0 to a million becomes one of the first ids (1 … 13), which exist


@pytest.fixture
def api_schema(db, caller):
    from django.core.signals import request_started
    from django.db import close_old_connections

    # Like Django's test client: a request must not close the test's connection (and its transaction).
    request_started.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler(), config=SchemathesisConfig.from_dict(CONFIG))
    finally:
        request_started.connect(close_old_connections)


@pytest.fixture
def barcodes(db, fuzz_city) -> list[str]:
    from fangkong.testing.models import Tube

    return list(Tube.objects.order_by("id").values_list("barcode", flat=True)[:5])


# Signing out revokes the caller's token for the rest of the run (tests/accounts covers it).
schema = schemathesis.pytest.from_fixture("api_schema").exclude(path="/api/token/logout/")


@schema.parametrize()
def test_api(case, caller, barcodes):
    at_real_objects(case.path_parameters, barcodes)
    requests_sent[caller.username] += 1
    case.call_and_validate(headers=caller.headers, checks=CHECKS)


def at_real_objects(path: dict, barcodes: list[str]) -> None:
    """Random ids and barcodes find nothing (404): most of them are pointed at objects of the city,
    so that the actions run on real cases, transfers, rounds and tubes; huge, negative and malformed
    values are left as generated."""
    for name, value in (path or {}).items():
        text = str(value)  # path parameters come serialized: "0", "940", "0.5", "null"
        if name == "barcode":
            if len(text) % 4:
                path[name] = barcodes[len(text) % len(barcodes)]
        elif text.isascii() and text.isdigit() and int(text) <= 1_000_000:
            path[name] = str(int(text) % REAL_IDS + 1)
