"""The 快转 REST API: scoped lists and details (404 outside), each endpoint's capability refusal,
a whole dispatch → pick-up → admission, a full facility refusing, discharge and home monitoring."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fangkong.audit.models import AuditEvent
from fangkong.cases import events
from fangkong.cases.choices import CaseStatus, Classification, FacilityKind, TransferStatus
from fangkong.cases.models import Case, HealthMonitoring, Transfer
from fangkong.cases.selectors import transfer_board
from fangkong.cases.services import case_discharge, case_test_record, transfer_dispatch
from fangkong.core.roles import Role
from fangkong.zoning.choices import FoundIn

from ..factories import make_person, make_user
from .factories import at, beds, board_transfer, make_facility, make_facility_user, open_case
from .test_services import admit

pytestmark = pytest.mark.django_db

API = "/api/cases"


def iso(hours: float) -> str:
    return at(hours).isoformat()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def refused(response, code: int, rule: str, field: str | None = None) -> dict:
    assert response.status_code == code, response.content
    body = response.json()
    assert body["rule"] == rule and body["message"], body
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.fixture
def other(city):
    """A district office of 回民区: outside everything of the home district."""
    return make_user("other", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])


@pytest.fixture
def spread(wards, users):
    """home_admitted (新城区, in the hospital), home_waiting (新城区, on the board), away (回民区, on the board)."""
    command = users["command"]
    home_admitted = open_case(command, wards.people[0], Classification.MODERATE)
    admit(home_admitted, wards, users)
    home_waiting = open_case(command, wards.people[1], Classification.MILD, confirmed_at=at(3))
    away = open_case(command, wards.elsewhere, Classification.ASYMPTOMATIC, confirmed_at=at(4))
    return {"home_admitted": home_admitted, "home_waiting": home_waiting, "away": away}


# ---- cases: scoping, masking, filters ----


def test_cases_are_scoped_masked_and_filtered(spread, users, other, wards):
    everything = {c.pk for c in spread.values()}
    assert {r["id"] for r in rows_of(client_for(users["command"]).get(f"{API}/"))} == everything
    district = client_for(users["district"])
    listed = rows_of(district.get(f"{API}/"))
    assert {r["id"] for r in listed} == everything - {spread["away"].pk}
    assert {r["id"] for r in rows_of(client_for(other).get(f"{API}/"))} == {spread["away"].pk}
    assert rows_of(client_for(users["nogrant"]).get(f"{API}/")) == []
    assert {r["id"] for r in rows_of(client_for(wards.hospital_user).get(f"{API}/"))} == {spread["home_admitted"].pk}

    row = next(r for r in listed if r["id"] == spread["home_waiting"].pk)
    person = wards.people[1]
    assert row["name"] == person.name and row["id_masked"] == person.id_masked and "*" in row["id_masked"]
    assert not {"id_cipher", "id_hash", "id_number"} & set(row)
    assert row["status"] == CaseStatus.OPEN and row["classification"] == Classification.MILD

    def filtered(query: str) -> set[int]:
        return {r["id"] for r in rows_of(client_for(users["command"]).get(f"{API}/?{query}"))}

    assert filtered("status=admitted") == {spread["home_admitted"].pk}
    assert filtered("status=open&status=admitted") == everything
    assert filtered(f"district={wards.elsewhere.district_id}") == {spread["away"].pk}
    assert filtered("classification=asymptomatic") == {spread["away"].pk}
    assert filtered(f"found_in={FoundIn.COMMUNITY}") == everything
    assert filtered(f"found_in={FoundIn.CONTROLLED}") == set()

    # Outside the jurisdiction a case does not exist: 404, for the detail and every action on it.
    away = spread["away"].pk
    assert district.get(f"{API}/{away}/").status_code == 404
    assert district.get(f"{API}/{away}/timeline/").status_code == 404
    assert district.get(f"{API}/{away}/discharge-check/").status_code == 404
    assert district.post(f"{API}/{away}/withdraw/", {"reason": "x"}, format="json").status_code == 404
    assert client_for(users["nogrant"]).get(f"{API}/{spread['home_waiting'].pk}/").status_code == 404
    detail = district.get(f"{API}/{spread['home_admitted'].pk}/").json()
    assert [t["status"] for t in detail["transfers"]] == [TransferStatus.ADMITTED]
    assert detail["classifications"][0]["classification"] == Classification.MODERATE
    assert detail["facility_name"] == wards.hospital.name


def test_open_a_case_by_hand(city, users, wards, other):
    person = wards.people[0]
    body = {
        "person": person.pk,
        "classification": "mild",
        "confirmed_at": iso(1),
        "source": "hospital_report",
        "source_note": "市第一医院发热门诊报告",
        "risk_factors": ["obesity"],
    }
    # Refusals first: the role, a person outside the jurisdiction, a malformed body; nothing written.
    refused(client_for(wards.hospital_user).post(f"{API}/", body, format="json"), 403, "cases.open")
    refused(client_for(other).post(f"{API}/", body, format="json"), 400, "cases.case_scope", "person")
    refused(
        client_for(users["district"]).post(f"{API}/", {**body, "classification": "grave"}, format="json"),
        400,
        "api.request",
        "classification",
    )
    refused(client_for(users["district"]).post(f"{API}/", {**body, "source": "queue"}, format="json"), 400, "api.request", "source")
    future = {**body, "confirmed_at": "2999-01-01T08:00:00+08:00"}
    refused(client_for(users["district"]).post(f"{API}/", future, format="json"), 400, "time.not_in_future", "confirmed_at")
    assert not Case.objects.exists()

    response = client_for(users["district"]).post(f"{API}/", body, format="json")
    assert response.status_code == 201, response.content
    case = response.json()
    assert case["status"] == CaseStatus.OPEN and case["person"] == person.pk and case["risk_factors"] == ["obesity"]
    assert case["found_in"] == FoundIn.COMMUNITY and case["source"] == "hospital_report"
    (transfer,) = case["transfers"]
    assert transfer["status"] == TransferStatus.AWAITING and "高风险人群收治定点医院" in transfer["triage_rule"]
    assert AuditEvent.objects.filter(event_type=events.OPENED, object_id=str(case["id"])).exists()
    # A second active case for the same person is refused, naming the rule.
    refused(client_for(users["command"]).post(f"{API}/", body, format="json"), 400, "cases.one_active_case", "person")


def test_timeline_classify_and_withdraw(spread, users, wards):
    command, community = client_for(users["command"]), client_for(users["community"])
    waiting = spread["home_waiting"].pk
    steps = command.get(f"{API}/{waiting}/timeline/")
    assert steps.status_code == 200
    assert sorted(s["kind"] for s in steps.json()) == ["case_opened", "classified", "triage"]
    assert "triage." in next(s["basis"] for s in steps.json() if s["kind"] == "triage")  # the rule, beside the detail

    classify = {"classification": "moderate", "at": iso(5), "note": "发热、咳嗽"}
    refused(community.post(f"{API}/{waiting}/classify/", classify, format="json"), 403, "cases.open | cases.treat")
    response = command.post(f"{API}/{waiting}/classify/", classify, format="json")
    assert response.status_code == 200, response.content
    outcome = response.json()
    assert outcome["changed"] and outcome["case"]["classification"] == "moderate" and outcome["transfer"] is None
    assert Transfer.objects.get(case_id=waiting, status="awaiting").triage_kind == FacilityKind.HOSPITAL

    refused(community.post(f"{API}/{waiting}/withdraw/", {"reason": "重复登记"}, format="json"), 403, "cases.open")
    refused(command.post(f"{API}/{waiting}/withdraw/", {"reason": ""}, format="json"), 400, "api.request", "reason")
    response = command.post(f"{API}/{waiting}/withdraw/", {"reason": "重复登记", "at": iso(6)}, format="json")
    assert response.status_code == 200 and response.json()["status"] == CaseStatus.WITHDRAWN
    assert not Transfer.objects.filter(case_id=waiting, status__in=("awaiting", "dispatched", "picked_up")).exists()


def test_a_withdrawal_is_not_dated_before_the_case(spread, users):
    """Found by schemathesis: a withdrawal dated in the year 869 was taken, and the case's closing
    time was then answered with Beijing's local-mean-time offset (+08:05:43), which is not ISO 8601."""
    command = client_for(users["command"])

    def withdraw(case, at: str):
        return command.post(f"{API}/{case.pk}/withdraw/", {"reason": "重复登记", "at": at}, format="json")

    waiting = spread["home_waiting"]  # confirmed at(3)
    refused(withdraw(waiting, iso(2)), 400, "time.order", "at")
    refused(withdraw(waiting, "0869-12-17T01:44:24+02:27"), 400, "api.request", "at")
    admitted = Case.objects.get(pk=spread["home_admitted"].pk)
    refused(withdraw(admitted, (admitted.admitted_at - dt.timedelta(minutes=5)).isoformat()), 400, "time.order", "at")
    assert not Case.objects.filter(status=CaseStatus.WITHDRAWN).exists()


def test_no_time_before_2000_is_taken(spread, users, wards):
    command = client_for(users["command"])
    case = spread["home_waiting"].pk
    for url, body, field in (
        (f"{API}/{case}/classify/", {"classification": "moderate", "at": "1900-01-01T08:00:00+08:00"}, "at"),
        (f"{API}/{case}/tests/", {"sampled_at": "0269-04-01T08:01:09Z", "result": "negative"}, "sampled_at"),
        (
            f"{API}/",
            {
                "person": wards.people[3].pk,
                "classification": "mild",
                "confirmed_at": "1999-12-31T23:59:00+08:00",
                "source": "hospital_report",
                "source_note": "x",
            },
            "confirmed_at",
        ),
    ):
        refused(command.post(url, body, format="json"), 400, "api.request", field)


# ---- the board and a whole transfer ----


def test_a_whole_transfer_from_the_board_to_a_bed(city, users, wards):
    command = users["command"]
    case = open_case(command, wards.people[0], Classification.MILD)
    board = rows_of(client_for(command).get(f"{API}/transfers/"))
    (item,) = board
    assert item["case"]["id"] == case.pk and item["case"]["id_masked"] == wards.people[0].id_masked
    assert item["overdue"] and item["remaining_minutes"] < 0 and item["refusals"] == 0
    suggestion = item["suggestion"]
    assert suggestion["kind"] == FacilityKind.FANGCANG and suggestion["facility"] == wards.fangcang.pk and suggestion["free"] == 3
    tid = item["transfer"]["id"]

    # Each step refuses a role without the capability, and a caller who does not see the case gets 404.
    dispatch = {"vehicle": "蒙A·12345", "crew": "张医生、李护士", "at": iso(1)}
    assert client_for(wards.fangcang_user).post(f"{API}/transfers/{tid}/dispatch/", dispatch, format="json").status_code == 404
    refused(client_for(users["community"]).post(f"{API}/transfers/{tid}/dispatch/", dispatch, format="json"), 403, "cases.dispatch")
    assert client_for(users["nogrant"]).post(f"{API}/transfers/{tid}/dispatch/", dispatch, format="json").status_code == 404
    refused(client_for(command).post(f"{API}/transfers/{tid}/dispatch/", {"crew": "x"}, format="json"), 400, "api.request", "vehicle")
    response = client_for(command).post(f"{API}/transfers/{tid}/dispatch/", dispatch, format="json")
    assert response.status_code == 200, response.content
    dispatched = response.json()
    assert dispatched["status"] == TransferStatus.DISPATCHED and dispatched["assigned_facility"] == wards.fangcang.pk
    assert dispatched["vehicle"] == "蒙A·12345" and dispatched["assigned_bed_type"] == "general"
    assert dispatched["arrivals_warning"] == ""  # 1 patient on the way, 3 beds free
    # The Fangcang now sees its incoming patient; the hospital does not.
    fangcang, hospital = client_for(wards.fangcang_user), client_for(wards.hospital_user)
    assert [r["transfer"]["id"] for r in rows_of(fangcang.get(f"{API}/transfers/"))] == [tid]
    assert rows_of(hospital.get(f"{API}/transfers/")) == []
    assert hospital.get(f"{API}/transfers/{tid}/").status_code == 404

    refused(fangcang.post(f"{API}/transfers/{tid}/pick-up/", {"at": iso(1.5)}, format="json"), 403, "cases.dispatch")
    response = client_for(command).post(f"{API}/transfers/{tid}/pick-up/", {"at": iso(1.5)}, format="json")
    assert response.status_code == 200 and response.json()["status"] == TransferStatus.PICKED_UP

    refused(client_for(users["district"]).post(f"{API}/transfers/{tid}/admit/", {"at": iso(2)}, format="json"), 403, "cases.treat")
    assert hospital.post(f"{API}/transfers/{tid}/admit/", {"at": iso(2)}, format="json").status_code == 404
    refused(fangcang.post(f"{API}/transfers/{tid}/admit/", {"at": iso(1)}, format="json"), 400, "time.order", "at")
    response = fangcang.post(f"{API}/transfers/{tid}/admit/", {"at": iso(2)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == TransferStatus.ADMITTED
    case.refresh_from_db()
    assert case.status == CaseStatus.ADMITTED and case.facility == wards.fangcang and beds(wards.fangcang) == (1, 3)
    assert rows_of(client_for(command).get(f"{API}/transfers/")) == []
    # The transfer's history stays readable, and the timeline has every step with its actor.
    assert client_for(command).get(f"{API}/transfers/{tid}/").json()["admitted_at"] is not None
    kinds = [s["kind"] for s in client_for(command).get(f"{API}/{case.pk}/timeline/").json()]
    assert [k for k in kinds if k in ("dispatched", "picked_up", "admitted")] == ["dispatched", "picked_up", "admitted"]
    facility = client_for(users["community"]).get(f"{API}/facilities/{wards.fangcang.pk}/").json()
    assert (facility["capacity"], facility["occupied"], facility["en_route"], facility["free"]) == (3, 1, 0, 2)


def test_a_full_facility_refuses_and_the_patient_goes_back_on_the_board(city, users, wards):
    command = users["command"]
    small = make_facility("体育馆方舱医院", FacilityKind.FANGCANG, city.home.district, general=1)
    small_user = make_facility_user("small", small)
    first, second = (open_case(command, p, Classification.MILD) for p in wards.people[:2])
    api, staff = client_for(command), client_for(small_user)
    ids = []
    for case in (first, second):
        tid = board_transfer(case).pk
        body = {"vehicle": f"车{case.pk}", "facility": small.pk, "at": iso(1)}
        assert api.post(f"{API}/transfers/{tid}/dispatch/", body, format="json").status_code == 200
        assert api.post(f"{API}/transfers/{tid}/pick-up/", {"at": iso(1.5)}, format="json").status_code == 200
        ids.append(tid)
    # Both are on their way to the one bed: the board shows it spoken for.
    assert staff.get(f"{API}/facilities/{small.pk}/").json()["beds"][0]["free_after_arrivals"] == -1
    assert staff.post(f"{API}/transfers/{ids[0]}/admit/", {"at": iso(2)}, format="json").status_code == 200
    body = refused(staff.post(f"{API}/transfers/{ids[1]}/admit/", {"at": iso(2.1)}, format="json"), 400, "cases.bed_capacity")
    assert "已满" in body["message"]
    assert Transfer.objects.get(pk=ids[1]).status == TransferStatus.PICKED_UP and beds(small) == (1, 1)
    # A third case cannot even be dispatched there: refused by name.
    third = open_case(command, wards.people[2], Classification.MILD)
    full = {"vehicle": "车9", "facility": small.pk, "at": iso(3)}
    refused(api.post(f"{API}/transfers/{board_transfer(third).pk}/dispatch/", full, format="json"), 400, "cases.bed_capacity")

    # The facility records its refusal (a reason is required); the case is back on the board, same deadline.
    assert client_for(wards.hospital_user).post(f"{API}/transfers/{ids[1]}/refuse/", {"reason": "满"}, format="json").status_code == 404
    refused(
        client_for(users["community"]).post(f"{API}/transfers/{ids[1]}/refuse/", {"reason": "满"}, format="json"),
        403,
        "cases.dispatch | cases.treat",
    )
    refused(staff.post(f"{API}/transfers/{ids[1]}/refuse/", {"reason": " "}, format="json"), 400, "api.request", "reason")
    response = staff.post(f"{API}/transfers/{ids[1]}/refuse/", {"reason": "床位已满", "at": iso(2.2)}, format="json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["refused"]["status"] == TransferStatus.REFUSED and out["refused"]["refused_reason"] == "床位已满"
    again = out["back_on_board"]
    assert again["status"] == TransferStatus.AWAITING and again["reason"] == "after_refusal" and again["previous"] == ids[1]
    assert again["deadline_at"] == out["refused"]["deadline_at"]
    item = next(r for r in rows_of(api.get(f"{API}/transfers/?status=awaiting")) if r["transfer"]["id"] == again["id"])
    assert item["refusals"] == 1 and item["suggestion"]["facility"] == wards.fangcang.pk
    # The suggestion is followed elsewhere and the patient admitted there.
    tid = again["id"]
    assert (
        api.post(f"{API}/transfers/{tid}/dispatch/", {"vehicle": "车2", "at": iso(2.5)}, format="json").json()["assigned_facility"]
        == wards.fangcang.pk
    )
    assert api.post(f"{API}/transfers/{tid}/pick-up/", {"at": iso(2.6)}, format="json").status_code == 200
    assert client_for(wards.fangcang_user).post(f"{API}/transfers/{tid}/admit/", {"at": iso(3)}, format="json").status_code == 200
    assert beds(wards.fangcang) == (1, 3) and beds(small) == (1, 1)


def test_the_board_filters_and_pages_like_the_whole_board(city, users, wards):
    command = users["command"]
    cases = [open_case(command, p, Classification.MILD, confirmed_at=at(i)) for i, p in enumerate(wards.people[:5])]
    whole = transfer_board(user=command, now=at(30))
    assert [i.case.pk for i in whole] == [c.pk for c in cases]
    # Three Fangcang beds for five mild cases: the first three are offered one each, the rest nothing.
    for offset in range(5):
        (one,) = transfer_board(user=command, now=at(30), offset=offset, limit=1)
        expected = whole[offset].suggestion.facility
        assert (one.suggestion.facility.facility_id if one.suggestion.facility else None) == (expected.facility_id if expected else None)
    api = client_for(command)
    page = api.get(f"{API}/transfers/?page_size=2&page=2").json()
    assert page["count"] == 5 and [r["case"]["id"] for r in page["results"]] == [c.pk for c in cases[2:4]]
    assert [r["suggestion"]["facility"] for r in page["results"]] == [wards.fangcang.pk, None]
    assert "没有空余" in page["results"][1]["suggestion"]["note"]
    transfer_dispatch(actor=command, transfer=board_transfer(cases[0]), vehicle="车1", at=at(5))
    assert [r["case"]["id"] for r in rows_of(api.get(f"{API}/transfers/?status=dispatched"))] == [cases[0].pk]
    assert rows_of(api.get(f"{API}/transfers/?triage_kind=hospital")) == []
    assert rows_of(api.get(f"{API}/transfers/?district={wards.elsewhere.district_id}")) == []
    assert len(rows_of(api.get(f"{API}/transfers/?overdue=true"))) == 5
    refused(api.get(f"{API}/transfers/?status=admitted"), 400, "api.request", "status")
    assert rows_of(client_for(users["nogrant"]).get(f"{API}/transfers/")) == []


# ---- facilities, figures ----


def test_facilities_with_beds_and_occupancy(spread, users, wards):
    listed = rows_of(client_for(users["community"]).get(f"{API}/facilities/"))
    assert [f["name"] for f in listed] == [wards.fangcang.name, wards.hospital.name]  # by kind, then name
    hospital = listed[1]
    assert hospital["kind"] == "hospital" and hospital["district_name"] == wards.hospital.district.name
    assert [(b["bed_type"], b["capacity"], b["occupied"]) for b in hospital["beds"]] == [("general", 2, 1), ("icu", 1, 0)]
    assert rows_of(client_for(users["command"]).get(f"{API}/facilities/?kind=fangcang"))[0]["id"] == wards.fangcang.pk
    assert rows_of(client_for(users["nogrant"]).get(f"{API}/facilities/")) == []
    assert client_for(users["nogrant"]).get(f"{API}/facilities/{wards.hospital.pk}/").status_code == 404
    totals = {r["kind"]: r for r in client_for(users["district"]).get(f"{API}/facilities/occupancy/").json()["by_kind"]}
    assert (totals["hospital"]["capacity"], totals["hospital"]["occupied"], totals["fangcang"]["free"]) == (3, 1, 3)


def test_day_figures(spread, users, other):
    response = client_for(users["district"]).get(f"{API}/day-figures/?date=2022-11-14")
    assert response.status_code == 200, response.content
    figures = response.json()
    assert figures["date"] == "2022-11-14"
    assert (figures["new_confirmed"], figures["new_asymptomatic"]) == (2, 0)  # the 回民区 case is not the district's
    assert figures["admission"]["cohort"] == 2 and figures["admission"]["same_day"] == 1
    assert figures["zh"].startswith("11月14日0—24时，新增本土确诊病例2例、无症状感染者0例")
    assert [d["name"] for d in figures["by_district"]] == ["新城区"]
    assert client_for(other).get(f"{API}/day-figures/?date=2022-11-14").json()["new_asymptomatic"] == 1
    assert client_for(users["nogrant"]).get(f"{API}/day-figures/?date=2022-11-14").json()["cumulative_confirmed"] == 0
    refused(client_for(users["district"]).get(f"{API}/day-figures/?date=14.11.2022"), 400, "api.request", "date")


# ---- treatment, discharge, home monitoring ----


def test_tests_discharge_check_and_discharge(spread, users, wards):
    case = spread["home_admitted"].pk  # moderate, in the hospital
    hospital, fangcang, district = client_for(wards.hospital_user), client_for(wards.fangcang_user), client_for(users["district"])
    negative = {"sampled_at": iso(24), "ct_orf1ab": 38, "ct_n": 37.5}
    refused(district.post(f"{API}/{case}/tests/", negative, format="json"), 403, "cases.treat")
    assert fangcang.post(f"{API}/{case}/tests/", negative, format="json").status_code == 404
    refused(
        hospital.post(f"{API}/{case}/tests/", {**negative, "result": "positive"}, format="json"),
        400,
        "testing.positive_ct_threshold",
        "result",
    )
    response = hospital.post(f"{API}/{case}/tests/", negative, format="json")
    assert response.status_code == 201 and response.json()["result"] == "negative"

    check = hospital.get(f"{API}/{case}/discharge-check/").json()
    assert not check["passed"]
    failed = {c["key"] for c in check["criteria"] if not c["passed"]}
    assert "discharge.tests_required" in failed and all(c["citation"] for c in check["criteria"])
    body = refused(hospital.post(f"{API}/{case}/discharge/", {"at": iso(49)}, format="json"), 400, "discharge.tests_required")
    assert "不符合出院标准" in body["message"]

    hospital.post(f"{API}/{case}/tests/", {"sampled_at": iso(48), "result": "negative"}, format="json")
    clinical = ["afebrile_3_days", "respiratory_improved", "imaging_improved"]
    query = "&".join(f"clinical={c}" for c in clinical)
    assert hospital.get(f"{API}/{case}/discharge-check/?{query}").json()["passed"]
    refused(district.post(f"{API}/{case}/discharge/", {"clinical": clinical, "at": iso(49)}, format="json"), 403, "cases.treat")
    response = hospital.post(f"{API}/{case}/discharge/", {"clinical": clinical, "at": iso(49), "note": "好转"}, format="json")
    assert response.status_code == 201, response.content
    discharge = response.json()
    assert discharge["facility"] == wards.hospital.pk and discharge["monitoring"]["status"] == "active"
    assert discharge["monitoring"]["days"] == 7 and discharge["clinical_affirmed"] == clinical
    assert beds(wards.hospital) == (0, 2)
    assert Case.objects.get(pk=case).status == CaseStatus.DISCHARGED


@pytest.fixture
def discharged(wards, users):
    case = open_case(users["command"], wards.people[3], Classification.MILD)
    admit(case, wards, users)
    for h in (24, 48):
        case_test_record(actor=wards.fangcang_user, case=case, result="negative", sampled_at=at(h))
    return case_discharge(actor=wards.fangcang_user, case=case, at=at(50)).monitoring


def test_home_monitoring_list_tests_and_completion(discharged, users, wards, other):
    community, hospital = client_for(users["community"]), client_for(wards.hospital_user)
    (row,) = rows_of(community.get(f"{API}/monitoring/?status=active"))
    assert row["id"] == discharged.pk and row["id_masked"] == wards.people[3].id_masked and row["community_name"]
    assert rows_of(community.get(f"{API}/monitoring/?status=completed")) == []
    assert rows_of(client_for(other).get(f"{API}/monitoring/")) == []
    assert client_for(other).get(f"{API}/monitoring/{discharged.pk}/").status_code == 404
    assert rows_of(hospital.get(f"{API}/monitoring/")) == []

    mid = discharged.pk
    negative = {"sampled_at": iso(80), "result": "negative"}
    assert hospital.post(f"{API}/monitoring/{mid}/tests/", negative, format="json").status_code == 404
    refused(client_for(users["district"]).post(f"{API}/monitoring/{mid}/tests/", negative, format="json"), 403, "cases.monitor")
    response = community.post(f"{API}/monitoring/{mid}/tests/", negative, format="json")
    assert response.status_code == 201 and response.json()["reopened"] is None
    refused(client_for(users["district"]).post(f"{API}/monitoring/{mid}/complete/", {}, format="json"), 403, "cases.monitor")
    refused(community.post(f"{API}/monitoring/{mid}/complete/", {"at": iso(100)}, format="json"), 400, "discharge.home_monitoring_days")
    response = community.post(f"{API}/monitoring/{mid}/complete/", {"at": iso(24 * 9)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed" and response.json()["completed_at"]
    assert Case.objects.get(pk=discharged.case_id).status == CaseStatus.CLOSED


def test_a_positive_during_monitoring_reopens_care(discharged, users):
    response = client_for(users["community"]).post(
        f"{API}/monitoring/{discharged.pk}/tests/", {"sampled_at": iso(70), "ct_orf1ab": 30, "ct_n": 31}, format="json"
    )
    assert response.status_code == 201, response.content
    outcome = response.json()
    assert outcome["test"]["result"] == "positive"
    assert outcome["reopened"]["status"] == TransferStatus.AWAITING and outcome["reopened"]["reason"] == "reopened"
    assert HealthMonitoring.objects.get(pk=discharged.pk).status == "reopened"
    assert Case.objects.get(pk=discharged.case_id).status == CaseStatus.OPEN


def test_anonymous_callers_are_refused(spread):
    assert APIClient().get(f"{API}/").status_code == 401
    assert APIClient().get(f"{API}/transfers/").status_code == 401


def test_a_person_on_the_spot_at_the_reporting_hospital_is_admitted_there(city, users, wards):
    """就地收治: the hospital's own report; its staff admit from the board without a vehicle."""
    person = make_person(city.home.household, "高建军")
    case = open_case(users["command"], person, Classification.MODERATE, reporting_facility=wards.hospital)
    tid = board_transfer(case).pk
    hospital = client_for(wards.hospital_user)
    assert hospital.get(f"{API}/{case.pk}/").status_code == 200
    response = hospital.post(f"{API}/transfers/{tid}/admit/", {"at": iso(1)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assigned_facility"] == wards.hospital.pk and beds(wards.hospital) == (1, 2)


def test_a_dispatch_to_a_bed_more_patients_are_already_heading_for_carries_a_warning(city, users, wards):
    from fangkong.cases.models import FacilityBeds

    command = users["command"]
    FacilityBeds.objects.filter(facility=wards.fangcang, bed_type="general").update(capacity=1)
    first, second = (open_case(command, wards.people[i], Classification.MILD) for i in (0, 1))
    bodies = []
    for case in (first, second):
        tid = case.transfers.get().pk
        response = client_for(command).post(
            f"{API}/transfers/{tid}/dispatch/", {"vehicle": "蒙A·1", "facility": wards.fangcang.pk, "bed_type": "general"}, format="json"
        )
        assert response.status_code == 200, response.content
        bodies.append(response.json())
    assert bodies[0]["arrivals_warning"] == ""
    assert "在院 0/1，连同本车在途 2 人，全部到达时缺 1 张床" in bodies[1]["arrivals_warning"]
