"""Item 12: a barcode is 1–40 characters of letters, digits, - _ . wherever it enters.

Before: a 41-character barcode in a lab result file made the results API answer 500 on PostgreSQL
(`DataError: value too long`, the unmatched result's column holds 40) and was stored on SQLite; a
barcode with control characters was accepted by home re-sampling and became a tube. Each entry is
attacked with both; every one refuses, naming the row (for files and batches) and the field, and
writes nothing."""

from __future__ import annotations

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from fangkong.testing.choices import PoolingMode, ResamplingStatus
from fangkong.testing.models import ResamplingTask, ResultUpload, Tube, TubeResult, UnmatchedResult
from fangkong.testing.services import Binding, RowsRefused, bulk_bind, tube_receive
from tests.testing.factories import at, csv_bytes, upload
from tests.testing.test_ingest import BUNDLE, observation

pytestmark = pytest.mark.django_db

TOO_LONG = "T" * 41
CONTROL = "R1\x07\x1b[31m"  # a bell and an ANSI colour escape
GARBAGE = [TOO_LONG, CONTROL, "R 1", "条码1", "=HYPERLINK(1)"]
HTMX = {"HTTP_HX_REQUEST": "true"}


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def no_trace(*values: str) -> None:
    for value in values:
        assert not Tube.objects.filter(barcode=value).exists()
        assert not UnmatchedResult.objects.filter(barcode=value).exists()
    assert not TubeResult.objects.exists()


@pytest.fixture
def bound(setup, users):
    """P1 (two residents, 10-in-1) and P2 sampled, P1 received by the lab."""
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode=PoolingMode.POOLED_10,
        bindings=[Binding("P1", person_id=p.pk) for p in setup.ten[2:4]], at=at(1),
    )  # fmt: skip
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P1"], at=at(2))
    return setup


# ---- the lab's results: API (CSV, FHIR) and the upload page ----


def test_41_character_barcode_in_a_result_file_answers_400_naming_row_and_field(bound):
    url = f"/api/testing/rounds/{bound.round.pk}/results/"
    data = csv_bytes([("P1", "阴性", None, None, "2022-02-25 15:00"), (TOO_LONG, "阴性", None, None, "2022-02-25 15:00")])
    response = api(bound.lab_user).post(url, {"file": SimpleUploadedFile("r.csv", data, "text/csv")}, format="multipart")
    assert response.status_code == 400, response.content
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "barcode")]
    assert "40" in response.json()["errors"][0]["message"]
    no_trace(TOO_LONG)


@pytest.mark.parametrize("barcode", GARBAGE)
def test_garbage_barcodes_in_a_fhir_bundle_are_refused_naming_the_entry(bound, barcode):
    bundle = copy.deepcopy(BUNDLE)
    bundle["entry"] = [observation("P1", "260415000"), observation(barcode, "260415000")]
    url = f"/api/testing/rounds/{bound.round.pk}/results/?laboratory={bound.lab.pk}"
    response = api(bound.lab_user).post(url, json.dumps(bundle), content_type="application/fhir+json")
    assert response.status_code == 400, response.content
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "specimen.identifier.value")]
    assert barcode not in response.content.decode()  # never echoed
    no_trace(barcode)


@pytest.mark.parametrize("barcode", GARBAGE)
def test_garbage_barcodes_in_the_lab_upload_page_are_refused(client, bound, barcode):
    client.force_login(bound.lab_user)
    data = csv_bytes([(barcode, "阴性", None, None, "2022-02-25 15:00")])
    response = client.post(reverse("testing:result_upload", args=[bound.round.pk]), {"file": SimpleUploadedFile("r.csv", data)})
    job = ResultUpload.objects.get()
    assert response.status_code == 302 and job.status == "refused"
    assert [(e["row"], e["field"]) for e in job.errors] == [(2, "barcode")]
    no_trace(barcode)


def test_the_service_refuses_what_a_parser_let_through(bound):
    """results_ingest applies the rule itself: a row built by any other parser cannot store a long barcode."""
    from fangkong.testing.ingest import parse_csv
    from fangkong.testing.services import RowsRefused, results_ingest

    rows = parse_csv(csv_bytes([("P1", "阴性", None, None, "2022-02-25 15:00")]))
    rows[0].barcode = TOO_LONG
    with pytest.raises(RowsRefused) as exc:
        results_ingest(actor=bound.lab_user, testing_round=bound.round, laboratory=bound.lab, rows=rows, at=at(9))
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "barcode")]
    no_trace(TOO_LONG)


# ---- home re-sampling (上门单采): page and API ----


@pytest.fixture
def task(bound, users):
    upload(bound.lab_user, bound.round, bound.lab, [("P1", "阳性", 29, None, "2022-02-25 16:30")], at(10))
    return ResamplingTask.objects.filter(person=bound.ten[2]).get()


@pytest.mark.parametrize("barcode", GARBAGE)
def test_resampling_collection_refuses_garbage_barcodes(client, bound, users, task, barcode):
    client.force_login(users["grid"])
    url = reverse("testing:resampling_collect", args=[bound.round.pk, task.pk])
    page = client.post(url, {"barcode": barcode}, **HTMX)
    assert page.status_code == 422
    response = api(users["grid"]).post(f"/api/testing/resampling-tasks/{task.pk}/collect/", {"barcode": barcode}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "barcode" or "barcode" in json.dumps(response.json())
    task.refresh_from_db()
    assert task.status == ResamplingStatus.OPEN
    assert not Tube.objects.filter(is_resample=True).exists()


def test_resampling_service_refuses_control_characters(bound, users, task):
    from fangkong.core.errors import DomainError
    from fangkong.testing.services import resampling_collect

    with pytest.raises(DomainError) as exc:
        resampling_collect(actor=users["grid"], task=task, barcode=CONTROL)
    assert exc.value.field == "barcode"
    assert not Tube.objects.filter(is_resample=True).exists()


# ---- everywhere else: opening a tube, bindings, the door-to-door check, lab receipt ----


@pytest.mark.parametrize("barcode", GARBAGE)
def test_opening_a_tube_refuses_garbage_barcodes(client, setup, users, barcode):
    client.force_login(users["community"])
    page = client.post(reverse("testing:tube_open", args=[setup.round.pk]), {"point": setup.point.pk, "barcode": barcode})
    assert page.status_code in (200, 422) and "试管条码" in page.content.decode()
    body = {"barcode": barcode, "sampling_point": setup.point.pk, "pooling_mode": "single"}
    response = api(users["community"]).post(f"/api/testing/rounds/{setup.round.pk}/tubes/", body, format="json")
    assert response.status_code == 400, response.content
    assert not Tube.objects.exists()


@pytest.mark.parametrize("barcode", GARBAGE)
def test_bulk_bindings_refuse_garbage_barcodes_naming_the_row(setup, users, barcode):
    rows = [{"barcode": "B1", "person_id": setup.ten[0].pk}, {"barcode": barcode, "person_id": setup.ten[1].pk}]
    body = {"sampling_point": setup.point.pk, "pooling_mode": "pooled_10", "bindings": rows}
    response = api(users["community"]).post(f"/api/testing/rounds/{setup.round.pk}/bindings/", body, format="json")
    assert response.status_code == 400, response.content
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(2, "barcode")]
    assert not Tube.objects.exists()


@pytest.mark.parametrize("barcode", [TOO_LONG, CONTROL])
def test_the_door_to_door_check_refuses_garbage_barcodes(client, bound, users, city, barcode):
    wang = bound.ten[0]
    household = city.home.household
    prefix = f"h{household.pk}-"
    data = {
        f"{prefix}sticker": "posted",
        f"{prefix}sampling_point": bound.point.pk,
        f"{prefix}outcome_{wang.pk}": "sampled_on_spot",
        f"{prefix}whereabouts_{wang.pk}": "",
        f"{prefix}barcode_{wang.pk}": barcode,
        f"{prefix}note_{wang.pk}": "",
    }
    client.force_login(users["grid"])
    response = client.post(reverse("testing:household_check", args=[bound.round.pk, household.pk]), data, **HTMX)
    assert response.status_code == 422
    no_trace(barcode)


@pytest.mark.parametrize("barcode", [TOO_LONG, CONTROL, "P1\x00"])
def test_lab_receipt_refuses_garbage_barcodes_naming_the_line(bound, barcode):
    response = api(bound.lab_user).post(f"/api/testing/rounds/{bound.round.pk}/receipts/", {"barcodes": ["P1", barcode]}, format="json")
    assert response.status_code == 400, response.content
    with pytest.raises(RowsRefused) as exc:
        tube_receive(actor=bound.lab_user, testing_round=bound.round, laboratory=bound.lab, barcodes=["P1", barcode])
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "barcode")]
