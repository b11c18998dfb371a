"""The 快检 REST API: scoped lists and details, bulk bindings, lab receipts and results (CSV, FHIR),
re-sampling, door-knocking, the positive queue, and the refusals (400 naming row and field, 403, 404)."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import Sealer, decrypt
from fangkong.core.roles import Role
from fangkong.geo.idnumbers import make_resident_id
from fangkong.geo.models import Person
from fangkong.geo.records import build_person_record
from fangkong.testing import events
from fangkong.testing.choices import ResamplingStatus, TubeStatus
from fangkong.testing.models import ResamplingTask, Tube, TubeMember, TubeResult
from fangkong.testing.services import Binding, bulk_bind
from tests.factories import make_tree, make_user

from .factories import at, csv_bytes, make_lab, make_lab_user, upload
from .test_ingest import BUNDLE, observation

pytestmark = pytest.mark.django_db

SAMPLED_AT = "2022-02-25T09:00:00+08:00"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def error_fields(response) -> list[tuple]:
    assert response.status_code == 400, response.content
    return [(e["row"], e.get("index"), e["field"]) for e in response.json()["errors"]]


@pytest.fixture
def other(city):
    """A district office of 回民区: outside everything of the home district."""
    return make_user("other", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])


def base(setup) -> str:
    return f"/api/testing/rounds/{setup.round.pk}"


# ---- rounds, coverage, press report ----


def test_rounds_list_and_detail_with_areas(setup, users, other):
    for user in (users["community"], users["grid"], setup.lab_user, other):
        [row] = rows_of(client_for(user).get("/api/testing/rounds/"))
        assert row["number"] == 8 and row["areas"][0]["level"] == "city" and row["areas"][0]["pooling_mode"]
    detail = client_for(users["community"]).get(f"{base(setup)}/").json()
    assert detail["id"] == setup.round.pk and "testing.result_deadline_hours" in detail["deadline_rule"]
    assert rows_of(client_for(users["command"]).get("/api/testing/rounds/", {"status": "closed"})) == []


def test_a_user_without_jurisdiction_sees_no_round(setup, users):
    client = client_for(users["nogrant"])
    assert rows_of(client.get("/api/testing/rounds/")) == []
    for path in ("/", "/coverage/", "/press-report/", "/tubes/"):
        assert client.get(base(setup) + path).status_code == 404, path
    assert client.post(f"{base(setup)}/bindings/", [], format="json").status_code == 404
    assert APIClient().get("/api/testing/rounds/").status_code == 401


def test_coverage_totals_and_children_scoped(sampled, users, city, other):
    body = client_for(users["command"]).get(f"{base(sampled)}/coverage/").json()
    assert body["level"] == "city" and body["child_level"] == "district"
    totals = body["totals"]
    assert (totals["residents"], totals["sampled"], totals["results_back"], totals["positive"], totals["missing"]) == (12, 9, 1, 1, 3)
    assert {c["name"]: c["sampled"] for c in body["children"]} == {"新城区": 9, "回民区": 0}

    community = client_for(users["community"])
    grids = community.get(f"{base(sampled)}/coverage/", {"level": "community", "place": city.home.community.pk}).json()
    assert {g["name"]: (g["residents"], g["sampled"], g["missing"]) for g in grids["children"]} == {
        "第一网格": (10, 8, 2),
        "第二网格": (1, 1, 0),
    }
    # a place outside the caller's jurisdiction is 404; a missing place is named
    assert community.get(f"{base(sampled)}/coverage/", {"level": "community", "place": city.elsewhere.community.pk}).status_code == 404
    missing = community.get(f"{base(sampled)}/coverage/", {"level": "grid"})
    assert missing.status_code == 400 and missing.json()["field"] == "place"
    assert community.get(f"{base(sampled)}/coverage/", {"level": "planet"}).json()["errors"][0]["field"] == "level"
    # the other district counts only its own residents
    theirs = client_for(other).get(f"{base(sampled)}/coverage/").json()["totals"]
    assert (theirs["residents"], theirs["sampled"]) == (1, 0)


def test_press_report(sampled, users):
    body = client_for(users["command"]).get(f"{base(sampled)}/press-report/").json()
    assert body["zh"].startswith("第8轮核酸检测共采集样本9人份") and "新城区1例" in body["zh"]
    assert body["by_district"] == [{"name": "新城区", "positives": 1}] and body["in_community"] == 1
    assert "Round 8" in body["en"]


# ---- sampling points ----


def test_sampling_points_are_scoped_and_filtered(setup, users, city, other):
    from .factories import make_point

    far = make_point(city.elsewhere.community, name="通顺采样点")
    community = client_for(users["community"])
    assert [p["name"] for p in rows_of(community.get("/api/testing/sampling-points/"))] == ["迎宾小区采样点"]
    assert [p["id"] for p in rows_of(client_for(users["grid"]).get("/api/testing/sampling-points/"))] == [setup.point.pk]
    assert community.get(f"/api/testing/sampling-points/{far.pk}/").status_code == 404
    assert [p["id"] for p in rows_of(client_for(other).get("/api/testing/sampling-points/"))] == [far.pk]
    city_wide = client_for(users["command"])
    filtered = rows_of(city_wide.get("/api/testing/sampling-points/", {"community": city.elsewhere.community.pk}))
    assert [p["id"] for p in filtered] == [far.pk]


# ---- tubes ----


def test_tubes_list_filters_and_detail_with_masked_members(sampled, users, city):
    client = client_for(users["community"])
    url = f"{base(sampled)}/tubes/"
    assert {t["barcode"] for t in rows_of(client.get(url))} == {"P1", "S1"}
    assert [t["barcode"] for t in rows_of(client.get(url, {"result": "positive"}))] == ["S1"]
    assert [t["barcode"] for t in rows_of(client.get(url, {"status": "received"}))] == ["P1"]
    assert [t["barcode"] for t in rows_of(client.get(url, {"barcode": "P"}))] == ["P1"]
    assert len(rows_of(client.get(url, {"laboratory": sampled.lab.pk, "sampling_point": sampled.point.pk}))) == 2
    assert rows_of(client.get(url, {"sampling_point": sampled.point.pk + 999})) == []

    tube = client.get(f"{url}P1/").json()
    assert tube["member_count"] == 8 and tube["laboratory_name"] == "金域检验" and tube["sampling_point_name"] == "迎宾小区采样点"
    assert {m["name"] for m in tube["members"]} == {p.name for p in sampled.ten[2:]}
    for member, person in zip(tube["members"], sampled.ten[2:], strict=True):
        assert member["id_masked"] == person.id_masked and "*" in member["id_masked"]
        assert decrypt(person.id_cipher) not in json.dumps(tube)
    positive = client.get(f"{url}S1/").json()
    assert positive["results"][0]["result"] == "positive" and positive["results"][0]["is_current"]
    assert client.get(f"{url}NOPE/").status_code == 404


def test_tubes_are_scoped_to_places_and_to_the_receiving_lab(sampled, other):
    url = f"{base(sampled)}/tubes/"
    assert rows_of(client_for(other).get(url)) == []
    assert client_for(other).get(f"{url}P1/").status_code == 404
    # the lab sees the tubes it received, never who is in them
    lab = client_for(sampled.lab_user)
    assert {t["barcode"] for t in rows_of(lab.get(url))} == {"P1", "S1"}
    assert lab.get(f"{url}P1/").json()["members"] == []
    stranger = client_for(make_lab_user("lab2", make_lab("迪安检验", "DA01")))
    assert rows_of(stranger.get(url)) == []
    assert stranger.get(f"{url}P1/").status_code == 404


def test_open_and_close_a_tube(setup, users):
    client = client_for(users["community"])
    url = f"{base(setup)}/tubes/"
    opened = client.post(url, {"barcode": "T1", "sampling_point": setup.point.pk, "pooling_mode": "single"}, format="json")
    assert opened.status_code == 201, opened.content
    assert (opened.json()["status"], opened.json()["capacity"], opened.json()["members"]) == ("open", 1, [])
    again = client.post(url, {"barcode": "T1", "sampling_point": setup.point.pk}, format="json")
    assert again.status_code == 400 and again.json()["field"] == "barcode" and again.json()["rule"] == "testing.barcode_unique"
    empty = client.post(f"{url}T1/close/")
    assert empty.status_code == 400 and "空试管" in empty.json()["message"]

    client.post(f"{url}", {"barcode": "T2", "sampling_point": setup.point.pk, "pooling_mode": "pooled_10"}, format="json")
    bound = client.post(f"{base(setup)}/bindings/", [{"barcode": "T2", "person_id": setup.ten[0].pk}], format="json")
    assert bound.status_code == 201, bound.content
    closed = client.post(f"{url}T2/close/")
    assert closed.status_code == 200 and closed.json()["status"] == TubeStatus.CLOSED
    assert [m["person"] for m in closed.json()["members"]] == [setup.ten[0].pk]
    assert AuditEvent.objects.filter(event_type=events.TUBE_CLOSED).count() == 1


def test_opening_a_tube_is_refused_to_labs_and_outside_the_jurisdiction(setup, users, other):
    url = f"{base(setup)}/tubes/"
    refused = client_for(setup.lab_user).post(url, {"barcode": "T1", "sampling_point": setup.point.pk}, format="json")
    assert refused.status_code == 403 and refused.json()["rule"] == "testing.sample"
    elsewhere = client_for(other).post(url, {"barcode": "T1", "sampling_point": setup.point.pk}, format="json")
    assert elsewhere.status_code == 400 and elsewhere.json()["field"] == "sampling_point"
    missing = client_for(users["community"]).post(url, {"sampling_point": setup.point.pk}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "barcode"
    assert not Tube.objects.exists()


# ---- bulk bindings ----


def make_people(n: int) -> list[Person]:
    """`n` residents of the home grid, spread over ten households, written in bulk."""
    sealer = Sealer()
    households = [make_tree(household=f"9{k:02d}").household for k in range(10)]
    people = []
    for i in range(n):
        h = households[i % len(households)]
        number = make_resident_id("150102", dt.date(1960, 1, 1) + dt.timedelta(days=i), 1 + i % 400)
        record = build_person_record(sealer, name=f"受检者{i}", id_type="resident_id", id_number=number)
        fields = {k: v for k, v in vars(record).items() if k != "tags"}
        people.append(
            Person(household=h, district_id=h.district_id, street_id=h.street_id, community_id=h.community_id, grid_id=h.grid_id, **fields)
        )
    Person.objects.bulk_create(people)
    return list(Person.objects.filter(name__startswith="受检者").order_by("pk"))


@pytest.fixture
def thousand(setup):
    people = make_people(1000)
    rows = [{"barcode": f"HT{i // 10:05d}", "id_number": decrypt(p.id_cipher), "sampled_at": SAMPLED_AT} for i, p in enumerate(people)]
    return people, rows


def test_bulk_bindings_of_a_thousand_rows(setup, users, thousand):
    people, rows = thousand
    body = {"sampling_point": setup.point.pk, "pooling_mode": "pooled_10", "bindings": rows}
    response = client_for(users["community"]).post(f"{base(setup)}/bindings/", body, format="json")
    assert response.status_code == 201, response.content[:2000]
    report = response.json()
    assert (report["members_added"], report["tubes_opened"], report["tubes_closed"], report["refused"]) == (1000, 100, 100, [])
    assert TubeMember.objects.filter(round=setup.round).count() == 1000
    assert Tube.objects.filter(round=setup.round, status=TubeStatus.CLOSED, member_count=10).count() == 100
    member = TubeMember.objects.get(person=people[0])
    assert member.tube.barcode == "HT00000" and member.sampled_at == dt.datetime.fromisoformat(SAMPLED_AT)
    event = AuditEvent.objects.get(event_type=events.BINDINGS_ADDED)
    assert event.count == 1000 and event.actor == users["community"]


def test_one_bad_row_refuses_the_thousand_naming_index_and_field(setup, users, thousand):
    people, rows = thousand
    client = client_for(users["community"])
    url = f"{base(setup)}/bindings/"
    body = {"sampling_point": setup.point.pk, "pooling_mode": "pooled_10", "bindings": copy.deepcopy(rows)}
    body["bindings"][499]["sampled_at"] = "yesterday"
    refused = client.post(url, body, format="json")
    assert error_fields(refused) == [(500, 499, "sampled_at")]
    assert "yesterday" in refused.json()["errors"][0]["message"] and refused.json()["rule"] == "testing.binding_format"

    body = {"sampling_point": setup.point.pk, "pooling_mode": "pooled_10", "bindings": copy.deepcopy(rows)}
    body["bindings"][736]["id_number"] = make_resident_id("150102", dt.date(1999, 9, 9), 77)  # not in the registry
    refused = client.post(url, body, format="json")
    assert error_fields(refused) == [(737, 736, "id_number")]
    assert "人口库" in refused.json()["message"]
    assert not Tube.objects.exists() and not TubeMember.objects.exists()
    assert not AuditEvent.objects.filter(event_type=events.BINDINGS_ADDED).exists()


def test_a_person_already_sampled_is_refused_naming_tube_and_point(setup, users):
    client = client_for(users["community"])
    url = f"{base(setup)}/bindings/"
    first = [{"barcode": "S1", "person_id": setup.ten[0].pk, "sampling_point": setup.point.pk, "pooling_mode": "single"}]
    assert client.post(url, first, format="json").status_code == 201
    again = [
        {"barcode": "S2", "person_id": setup.ten[1].pk, "sampling_point": setup.point.pk, "pooling_mode": "single"},
        {"barcode": "S3", "id_number": decrypt(setup.ten[0].id_cipher), "sampling_point": setup.point.pk, "pooling_mode": "single"},
    ]
    refused = client.post(url, again, format="json")
    assert error_fields(refused) == [(2, 1, "id_number")]
    message = refused.json()["errors"][0]["message"]
    assert setup.ten[0].name in message and "S1" in message and "迎宾小区采样点" in message
    assert not Tube.objects.filter(barcode__in=["S2", "S3"]).exists()

    # partial: the rows that pass are written, the others come back
    partial = client.post(url, {"partial": True, "bindings": again}, format="json")
    assert partial.status_code == 201, partial.content
    assert partial.json()["members_added"] == 1
    assert [(e["row"], e["index"], e["field"]) for e in partial.json()["refused"]] == [(2, 1, "id_number")]
    assert set(Tube.objects.values_list("barcode", flat=True)) == {"S1", "S2"}


def test_binding_format_errors_are_all_listed(setup, users):
    rows = [
        {"barcode": "B1", "id_number": "x", "colour": "red"},
        "not a row",
        {"id_number": 5, "person_id": 3},
        {"barcode": "B1", "person_id": "seven", "sampling_point": "here", "pooling_mode": 10},
    ]
    refused = client_for(users["community"]).post(f"{base(setup)}/bindings/", rows, format="json")
    assert error_fields(refused) == [
        (1, 0, "colour"),
        (2, 1, "row"),
        (3, 2, "barcode"),
        (3, 2, "person_id"),
        (4, 3, "person_id"),
        (4, 3, "sampling_point"),
        (4, 3, "pooling_mode"),
    ]
    empty = client_for(users["community"]).post(f"{base(setup)}/bindings/", {"bindings": []}, format="json")
    assert error_fields(empty) == [(0, None, "bindings")]
    # Found by schemathesis: a body of `null` was a 500.
    nothing = client_for(users["community"]).post(f"{base(setup)}/bindings/", "null", content_type="application/json")
    assert error_fields(nothing) == [(0, None, "bindings")]


def test_bindings_need_the_sampling_capability(setup, users):
    rows = [{"barcode": "S1", "person_id": setup.ten[0].pk, "sampling_point": setup.point.pk}]
    for user in (setup.lab_user, users["auditor"]):
        refused = client_for(user).post(f"{base(setup)}/bindings/", rows, format="json")
        assert refused.status_code == 403 and refused.json()["rule"] == "testing.sample"
    assert not TubeMember.objects.exists()


def test_bindings_outside_the_jurisdiction_are_refused(setup, users, other):
    rows = [{"barcode": "S1", "person_id": setup.ten[0].pk, "sampling_point": setup.point.pk, "pooling_mode": "single"}]
    refused = client_for(other).post(f"{base(setup)}/bindings/", rows, format="json")
    # the person by registry id is outside too: not found, exactly like a missing one
    assert error_fields(refused) == [(1, 0, "person_id"), (1, 0, "sampling_point")]
    assert setup.ten[0].name not in refused.content.decode()
    body = {"sampling_point": setup.point.pk, "bindings": [{"barcode": "S1", "person_id": setup.ten[0].pk}]}
    refused = client_for(other).post(f"{base(setup)}/bindings/", body, format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "sampling_point"
    assert not TubeMember.objects.exists()


# ---- laboratory: receipts and results ----


def bind_singles(setup, users, barcodes=("P1", "P2")):
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding(b, person_id=p.pk) for b, p in zip(barcodes, setup.ten, strict=False)], at=at(1),
    )  # fmt: skip


def test_receipts(setup, users):
    bind_singles(setup, users)
    client = client_for(setup.lab_user)
    url = f"{base(setup)}/receipts/"
    response = client.post(url, {"barcodes": ["P1", "P2"]}, format="json")  # the caller's only lab
    assert response.status_code == 200, response.content
    assert response.json() == {"received": 2, "already": 0}
    assert set(Tube.objects.values_list("status", "laboratory_id")) == {(TubeStatus.RECEIVED, setup.lab.pk)}
    assert client.post(url, {"laboratory": setup.lab.pk, "barcodes": ["P1"]}, format="json").json() == {"received": 0, "already": 1}
    refused = client.post(url, {"barcodes": ["P2", "NOPE", "P2"]}, format="json")
    assert sorted(error_fields(refused)) == [(2, 1, "barcode"), (3, 2, "barcode")]
    assert "NOPE" in next(e["message"] for e in refused.json()["errors"] if e["row"] == 2)
    blank = client.post(url, {"barcodes": ["P1", ""]}, format="json")
    assert error_fields(blank) == [(2, 1, "barcodes")]


def test_receipts_refusals(setup, users):
    bind_singles(setup, users)
    url = f"{base(setup)}/receipts/"
    refused = client_for(users["community"]).post(url, {"barcodes": ["P1"]}, format="json")
    assert refused.status_code == 403 and refused.json()["rule"] == "testing.lab"
    other_lab = make_lab("迪安检验", "DA01")
    stranger = client_for(make_lab_user("lab2", other_lab))
    refused = stranger.post(url, {"laboratory": setup.lab.pk, "barcodes": ["P1"]}, format="json")
    assert refused.status_code == 403 and refused.json()["field"] == "laboratory"
    assert not Tube.objects.filter(status=TubeStatus.RECEIVED).exists()


def test_fhir_bundle_post_and_the_same_post_again(setup, users):
    bind_singles(setup, users)
    client = client_for(setup.lab_user)
    url = f"{base(setup)}/results/?laboratory={setup.lab.pk}"
    response = client.post(url, json.dumps(BUNDLE), content_type="application/fhir+json")
    assert response.status_code == 200, response.content
    report = response.json()
    assert (report["rows"], report["created"], report["unchanged"], report["positives_confirmed"]) == (2, 2, 0, 1)
    assert "testing.positive_ct_threshold" in TubeResult.objects.get(tube__barcode="P2").decided_by
    assert TubeResult.objects.get(tube__barcode="P1").source.endswith(".json")  # kept as an upload, like the page's
    again = client.post(url, json.dumps(BUNDLE), content_type="application/json").json()
    assert (again["created"], again["superseded"], again["unchanged"]) == (0, 0, 2)
    assert TubeResult.objects.count() == 2


def test_fhir_bundle_reports_unmatched_and_refuses_invalid_entries(setup, users):
    bind_singles(setup, users)
    client = client_for(setup.lab_user)
    url = f"{base(setup)}/results/"
    bundle = copy.deepcopy(BUNDLE)
    bundle["entry"].append(observation("GHOST", "260415000"))
    report = client.post(url, bundle, format="json").json()
    assert report["created"] == 2 and report["unmatched"] == [{"row": 3, "barcode": "GHOST", "reason": "unknown_barcode"}]

    bad = copy.deepcopy(BUNDLE)
    bad["entry"][1]["resource"]["issued"] = "yesterday"
    refused = client.post(url, json.dumps(bad), content_type="application/fhir+json")
    assert refused.status_code == 400 and refused.json()["rule"] == "testing.fhir_bundle"
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(2, "entry.1.resource.issued")]
    not_a_bundle = client.post(url, {"resourceType": "Patient"}, format="json")
    assert not_a_bundle.status_code == 400 and not_a_bundle.json()["field"] == "resourceType"
    assert TubeResult.objects.count() == 2


def test_csv_multipart_post_and_the_same_file_again(setup, users):
    bind_singles(setup, users)
    client = client_for(setup.lab_user)
    url = f"{base(setup)}/results/"
    data = csv_bytes([("P1", "阴性", None, None, "2022-02-25 15:00"), ("P2", "阳性", 28.1, 29.4, "2022-02-25 15:05")])

    def post():
        return client.post(url, {"file": SimpleUploadedFile("结果.csv", data, "text/csv"), "laboratory": setup.lab.pk}, format="multipart")

    first = post()
    assert first.status_code == 200, first.content
    assert (first.json()["created"], first.json()["positives_confirmed"]) == (2, 1)
    second = post().json()
    assert (second["created"], second["superseded"], second["unchanged"]) == (0, 0, 2)
    assert TubeResult.objects.count() == 2 and TubeResult.objects.get(tube__barcode="P1").source.endswith(" 结果.csv")

    broken = csv_bytes([("P1", "阳性", 55, None, "2022-02-25 15:00")])
    refused = client.post(url, {"file": SimpleUploadedFile("r.csv", broken)}, format="multipart")
    assert [(e["row"], e["field"]) for e in refused.json()["errors"]] == [(2, "ct_orf1ab")]
    # As on the lab page: every file is kept with its job and its error report (the seams issue).
    from fangkong.testing.models import ResultUpload

    kept = ResultUpload.objects.order_by("id")
    assert [(u.original_name, u.status) for u in kept] == [("结果.csv", "succeeded"), ("结果.csv", "succeeded"), ("r.csv", "refused")]
    assert kept.last().errors[0]["field"] == "ct_orf1ab" and kept.last().file and kept.first().uploaded_by == setup.lab_user
    assert first.json()["upload"] == kept.first().pk
    missing = client.post(url, {"laboratory": setup.lab.pk}, format="multipart")
    assert missing.status_code == 400 and missing.json()["field"] == "file"


def test_results_need_the_lab_capability_and_the_callers_lab(setup, users):
    bind_singles(setup, users)
    url = f"{base(setup)}/results/?laboratory={setup.lab.pk}"
    refused = client_for(users["grid"]).post(url, BUNDLE, format="json")
    assert refused.status_code == 403 and refused.json()["rule"] == "testing.lab"
    stranger = client_for(make_lab_user("lab2", make_lab("迪安检验", "DA01")))
    assert stranger.post(url, BUNDLE, format="json").status_code == 403
    assert not TubeResult.objects.exists()


# ---- re-sampling, door-knocking, positives ----


@pytest.fixture
def pool_positive(sampled):
    upload(sampled.lab_user, sampled.round, sampled.lab, [("P1", "阳性", 29, None, "2022-02-25 16:30")], at(10))
    return sampled


def test_resampling_tasks_are_scoped_to_the_grid(pool_positive, users, city, other):
    url = "/api/testing/resampling-tasks/"
    grid_worker = client_for(users["grid"])
    tasks = rows_of(grid_worker.get(url, {"round": pool_positive.round.pk, "status": ["open", "sampled"]}))
    assert len(tasks) == 8 and {t["grid"] for t in tasks} == {city.home.grid.pk}
    assert all("*" in t["id_masked"] and t["origin_barcode"] == "P1" and t["household_address"] for t in tasks)
    assert rows_of(grid_worker.get(url, {"grid": city.neighbour.grid.pk})) == []
    assert rows_of(grid_worker.get(url, {"status": "done"})) == []
    for user in (other, users["nogrant"]):
        assert rows_of(client_for(user).get(url)) == []
        assert client_for(user).get(f"{url}{tasks[0]['id']}/").status_code == 404
    lab = client_for(pool_positive.lab_user)  # no testing.check: refused before any look-up (need-to-know)
    assert lab.get(url).status_code == 403 and lab.get(f"{url}{tasks[0]['id']}/").status_code == 403


def test_resampling_collect(pool_positive, users, other):
    task = ResamplingTask.objects.filter(person=pool_positive.ten[2]).get()
    url = f"/api/testing/resampling-tasks/{task.pk}/collect/"
    assert client_for(other).post(url, {"barcode": "R1"}, format="json").status_code == 404
    refused = client_for(users["auditor"]).post(url, {"barcode": "R1"}, format="json")
    assert refused.status_code == 403 and refused.json()["rule"] == "testing.check"
    response = client_for(users["grid"]).post(url, {"barcode": "R1"}, format="json")
    assert response.status_code == 201, response.content
    tube = response.json()
    assert (tube["barcode"], tube["is_resample"], tube["member_count"]) == ("R1", True, 1)
    assert [m["person"] for m in tube["members"]] == [pool_positive.ten[2].pk]
    task.refresh_from_db()
    assert task.status == ResamplingStatus.SAMPLED and task.resample_tube.barcode == "R1"
    twice = client_for(users["grid"]).post(url, {"barcode": "R2"}, format="json")
    assert twice.status_code == 400 and twice.json()["rule"] == "testing.resampling_transitions"


def test_door_knocking_list(sampled, users, city, other):
    url = f"{base(sampled)}/grids/{city.home.grid.pk}/door-knocking/"
    items = client_for(users["grid"]).get(url).json()
    assert [(i["household_id"], i["residents"], i["sampled"]) for i in items] == [(city.home.household.pk, 2, 0)]
    assert {m["name"] for m in items[0]["missing"]} == {"王秀英", "李建国"}
    assert all("*" in m["id_masked"] for m in items[0]["missing"])
    assert client_for(users["grid"]).get(f"{base(sampled)}/grids/{city.neighbour.grid.pk}/door-knocking/").status_code == 404
    assert client_for(other).get(url).status_code == 404


def test_positive_queue_with_masked_ids(sampled, users, other):
    url = "/api/testing/positives/"
    [row] = rows_of(client_for(users["command"]).get(url, {"round": sampled.round.pk}))
    person = sampled.other_grid[0]
    assert (row["person"], row["name"], row["id_masked"], row["barcode"]) == (person.pk, person.name, person.id_masked, "S1")
    assert row["status"] == "awaiting_case" and row["found_in"] == "community" and row["ct_orf1ab"] == 30
    assert decrypt(person.id_cipher) not in json.dumps(row)
    assert len(rows_of(client_for(users["community"]).get(url))) == 1
    assert rows_of(client_for(other).get(url)) == []  # 回民区: not theirs
    assert client_for(other).get(f"{url}{row['id']}/").status_code == 404
    for user in (users["grid"], sampled.lab_user):  # need-to-know: who tested positive is a case's detail (cases.view)
        for answer in (client_for(user).get(url), client_for(user).get(f"{url}{row['id']}/")):
            assert answer.status_code == 403 and answer.json()["rule"] == "cases.view"


def test_schema_lists_the_testing_endpoints(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    for path in (
        "/api/testing/rounds/{id}/bindings/",
        "/api/testing/rounds/{id}/results/",
        "/api/testing/rounds/{round_pk}/tubes/{barcode}/",
        "/api/testing/resampling-tasks/{id}/collect/",
        "/api/testing/rounds/{id}/grids/{grid}/door-knocking/",
    ):
        assert path in schema["paths"], path
    assert "id_cipher" not in json.dumps(schema["components"]["schemas"]["Tube"])
