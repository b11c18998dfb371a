"""The movement pages and the checkpoint's scan API as users meet them: the traffic group requests and
approves a pass and sees its QR code; a checkpoint's scan answers with the outcome; a worker files a
departure; a coach's passenger list prints and exports masked. Attacks: another district's pass (404),
a role without the capability (403), script in a purpose (escaped), a forged code (refused, recorded),
no personal data in the public key or in the code."""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.movement import codes
from fangkong.movement.choices import ApplicationStatus, PassStatus, TravelMode
from fangkong.movement.models import DepartureApplication, PassScan, VehiclePass
from fangkong.movement.services.departures import departure_create

from ..factories import make_person, make_user
from .conftest import DRIVER_ID

pytestmark = pytest.mark.django_db
XSS = '<img src=x onerror="alert(1)">'


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_request_approve_and_show_the_qr_code(city, traffic):
    start = timezone.now() - dt.timedelta(minutes=30)
    data = {
        "district": city.home.district.pk,
        "plate": "蒙A 88888",
        "purpose": XSS,
        "origin": "赛罕区",
        "destination": "乌兰察布市",
        "valid_from": local(start),
        "valid_until": local(start + dt.timedelta(hours=12)),
        "driver_name": "赵师傅",
        "driver_id": DRIVER_ID,
    }
    response = client(traffic["requester"]).post(reverse("movement:pass_new"), data)
    assert response.status_code == 302, response.content[:500]
    vp = VehiclePass.objects.get()
    assert vp.plate == "蒙A88888" and vp.status == PassStatus.REQUESTED
    refused = client(traffic["requester"]).post(reverse("movement:pass_approve", args=[vp.pk]))
    assert refused.status_code == 422 and "另一名工作人员" in refused.content.decode()
    assert client(traffic["approver"]).post(reverse("movement:pass_approve", args=[vp.pk])).status_code == 302
    page = client(traffic["approver"]).get(reverse("movement:pass_detail", args=[vp.pk])).content.decode()
    assert "<svg" in page and "data-pass-token" in page and "蒙A88888" in page
    assert XSS not in page and "&lt;img src=x" in page
    assert DRIVER_ID not in page
    listing = client(traffic["approver"]).get(reverse("movement:pass_list")).content.decode()
    assert XSS not in listing and "蒙A88888" in listing


def test_a_refused_form_names_the_field(city, traffic):
    response = client(traffic["requester"]).post(
        reverse("movement:pass_new"),
        {
            "district": city.home.district.pk,
            "plate": "ABC",
            "purpose": "p",
            "origin": "o",
            "destination": "d",
            "valid_from": local(timezone.now()),
            "valid_until": local(timezone.now() + dt.timedelta(hours=2)),
            "driver_name": "x",
            "driver_id": DRIVER_ID,
        },
    )
    assert response.status_code == 422 and 'data-field="plate"' in response.content.decode()


def test_another_districts_pass_is_not_found_and_a_role_without_the_capability_refused(city, users, approved_pass):
    outsider = make_user("far-office", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    assert client(outsider).get(reverse("movement:pass_detail", args=[approved_pass.pk])).status_code == 404
    assert client(outsider).post(reverse("movement:pass_revoke", args=[approved_pass.pk]), {"reason": "x"}).status_code == 404
    assert client(users["grid"]).get(reverse("movement:pass_detail", args=[approved_pass.pk])).status_code == 403
    assert client(users["community"]).post(reverse("movement:pass_revoke", args=[approved_pass.pk]), {"reason": "x"}).status_code == 403
    approved_pass.refresh_from_db()
    assert approved_pass.status == PassStatus.APPROVED


def post_scan(user, body):
    return client(user).post(reverse("movement:scan"), json.dumps(body), content_type="application/json")


def test_the_scan_api_records_and_answers(users, checkpoint, approved_pass):
    token = codes.pass_token(approved_pass)
    ok = post_scan(users["district"], {"checkpoint": checkpoint.pk, "token": token, "client_ref": "a1", "plate": "蒙A12345"})
    assert ok.status_code == 200 and ok.json()["passed"] and ok.json()["pass"] == approved_pass.number
    forged = post_scan(users["district"], {"checkpoint": checkpoint.pk, "token": token[:-3] + "AAA", "client_ref": "a2"})
    assert forged.status_code == 200 and forged.json()["refusal"] == "forged" and not forged.json()["passed"]
    bad = post_scan(users["district"], {"checkpoint": checkpoint.pk, "token": token, "client_ref": "a3", "driver_id": "123"})
    assert bad.status_code == 400 and bad.json()["field"] == "driver_id"
    assert post_scan(users["district"], {"checkpoint": "x"}).status_code == 400
    assert client(users["district"]).post(reverse("movement:scan"), "not json", content_type="application/json").status_code == 400
    assert post_scan(users["auditor"], {"checkpoint": checkpoint.pk, "token": token, "client_ref": "a4"}).status_code == 403
    assert PassScan.objects.count() == 2


def test_a_checkpoint_of_another_district_cannot_be_scanned_at(city, users, checkpoint, approved_pass):
    outsider = make_user("far-office", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])
    response = post_scan(outsider, {"checkpoint": checkpoint.pk, "token": codes.pass_token(approved_pass), "client_ref": uuid.uuid4().hex})
    assert response.status_code == 404 and not PassScan.objects.exists()


def test_the_public_key_is_public_and_the_check_page_carries_it(users, checkpoint):
    doc = Client().get(reverse("movement:public_key")).json()
    assert doc["alg"] == "Ed25519" and len(doc["public_key"]) == 43
    page = client(users["district"]).get(reverse("movement:check")).content.decode()
    assert doc["public_key"] in page and "movement-check.js" in page and checkpoint.name in page
    revocations = client(users["district"]).get(reverse("movement:revocations")).json()
    assert revocations["token"].startswith("FK1.")
    assert Client().get(reverse("movement:revocations")).status_code == 302  # sign in first


def test_checkpoint_log_and_counts(city, users, checkpoint):
    page = client(users["district"]).post(
        reverse("movement:checkpoint_detail", args=[checkpoint.pk]),
        {"plate": "蒙A12345", "people": 3, "fever_temperature": "38.2", "fever_action": ""},
    )
    assert page.status_code == 422 and "处置" in page.content.decode()
    done = client(users["district"]).post(
        reverse("movement:checkpoint_detail", args=[checkpoint.pk]),
        {"plate": "蒙A12345", "people": 3, "fever_temperature": "38.2", "fever_action": "fever_clinic"},
    )
    assert done.status_code == 302
    listing = client(users["district"]).get(reverse("movement:checkpoint_list")).content.decode()
    assert checkpoint.name in listing


def test_a_trunk_road_closure_needs_its_approval(city, users):
    data = {"district": city.home.district.pk, "name": "高速出口", "road": "G6", "closes_trunk_road": "on", "approval_reference": ""}
    refused = client(users["district"]).post(reverse("movement:checkpoint_list"), data)
    assert refused.status_code == 422 and "报批" in refused.content.decode()
    data["approval_reference"] = "呼交发〔2022〕12号"
    assert client(users["district"]).post(reverse("movement:checkpoint_list"), data).status_code == 302


def test_a_worker_files_a_departure_and_the_coach_list_exports_masked(city, users, lab):
    resident = make_person(city.home.household, "归乡人")
    lab.negative(resident, timezone.now() - dt.timedelta(hours=3))
    from ..isolation.factories import use_profile

    use_profile("twenty-measures")
    id_number = _id_of(resident)
    response = client(users["community"]).post(
        reverse("movement:application_new"),
        {"id_number": id_number, "mode": TravelMode.COACH, "destination": "赤峰市", "travel_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    app = DepartureApplication.objects.get()
    assert app.status == ApplicationStatus.APPROVED
    coach = departure_create(
        actor=users["district"],
        district=city.home.district,
        mode=TravelMode.COACH,
        label="蒙A·K0009",
        destination="赤峰市",
        departs_at=timezone.now() + dt.timedelta(hours=3),
        capacity=40,
    )
    office = client(users["district"])
    assert office.post(reverse("movement:departure_assign", args=[coach.pk]), {"application": [app.pk]}).status_code == 302
    page = office.get(reverse("movement:departure_detail", args=[coach.pk])).content.decode()
    assert "归乡人" in page and resident.id_masked in page and id_number not in page
    xlsx = office.get(reverse("movement:departure_detail", args=[coach.pk]) + "?format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    cells = [str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "归乡人" in cells and resident.id_masked in cells and id_number not in cells
    assert "归乡人" in client(users["district"]).get(reverse("movement:application_list")).content.decode()
    assert client(users["grid"]).get(reverse("movement:home")).status_code == 403  # no movement.view


def test_an_unknown_id_number_names_the_field(city, users):
    response = client(users["community"]).post(
        reverse("movement:application_new"),
        {"id_number": "15010219800517901", "mode": TravelMode.CAR, "destination": "x", "travel_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 422 and 'data-field="id_number"' in response.content.decode()


def _id_of(person) -> str:
    from fangkong.core.crypto import decrypt

    return decrypt(person.id_cipher)[:18]
