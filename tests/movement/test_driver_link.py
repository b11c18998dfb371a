"""The pass on the driver's phone: a signed link (no personal data in it) that shows the QR code and
the pass's fields masked as the code masks them (driver 王**, ID 150102********901X), public and
never cached; it stops at the end of the pass's validity, on revocation and after the trip is
completed, and a link altered or signed for something else opens nothing."""

from __future__ import annotations

import datetime as dt
import uuid
import zlib

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from fangkong.movement import codes
from fangkong.movement.driver_link import DRIVER_SALT, driver_token
from fangkong.movement.services.passes import pass_revoke
from fangkong.movement.services.scans import pass_scan
from fangkong.volunteers.tokens import LINK_SALT

from .conftest import DRIVER_ID, request_pass

pytestmark = pytest.mark.django_db


def link_of(vp) -> str:
    return reverse("movement:driver_pass", args=[driver_token(vp)])


def test_the_office_page_offers_the_link_and_it_carries_no_personal_data(city, users, traffic, approved_pass):
    office = Client()
    office.force_login(users["district"])
    page = office.get(reverse("movement:pass_detail", args=[approved_pass.pk])).content.decode()
    assert "/movement/d/" in page and "data-driver-link" in page
    token = driver_token(approved_pass)
    url = link_of(approved_pass)
    for secret in ("王师傅", DRIVER_ID, approved_pass.driver_id_masked, approved_pass.plate, "运送医疗物资"):
        assert secret not in url
    # What the link carries, readable by anyone: the pass's id, its serial and the end of its validity.
    body = token.split(":")[0]
    raw = zlib.decompress(signing.b64_decode(body[1:].encode())) if body.startswith(".") else signing.b64_decode(body.encode())
    assert raw == f"[{approved_pass.pk},{approved_pass.serial},{int(approved_pass.valid_until.timestamp())}]".encode()
    waiting = request_pass(traffic["requester"], city.home.district, plate="蒙A54321")
    assert driver_token(waiting) == ""  # not approved: no link
    assert "data-driver-link" not in office.get(reverse("movement:pass_detail", args=[waiting.pk])).content.decode()


def test_the_driver_sees_the_code_and_the_masked_pass_without_an_account(approved_pass):
    response = Client().get(link_of(approved_pass))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and "蒙A12345" in body and "王**" in body and "150102********901X" in body
    assert "王师傅" not in body and DRIVER_ID not in body
    assert "运送医疗物资" in body and "包头市昆都仑区" in body
    assert response["Referrer-Policy"] == "no-referrer" and "no-store" in response["Cache-Control"]
    assert 'name="viewport"' in body  # the phone's layout
    # The QR code on the phone is the pass's own signed code: a checkpoint scans it as the printed one.
    assert codes.qr_svg(codes.pass_token(approved_pass)) in body


def test_revocation_closes_the_link(users, approved_pass):
    url = link_of(approved_pass)
    pass_revoke(actor=users["district"], vehicle_pass=approved_pass, reason="运输任务取消")
    response = Client().get(url)
    body = response.content.decode()
    assert response.status_code == 410 and "撤销" in body and "<svg" not in body


def test_the_link_expires_with_the_pass(approved_pass):
    url = link_of(approved_pass)
    with time_machine.travel(approved_pass.valid_until + dt.timedelta(minutes=1), tick=False):
        response = Client().get(url)
    assert response.status_code == 410 and "有效期" in response.content.decode() and "<svg" not in response.content.decode()


def test_a_completed_trip_closes_the_link(users, checkpoint, approved_pass):
    url = link_of(approved_pass)
    pass_scan(
        actor=users["district"], checkpoint=checkpoint, token=codes.pass_token(approved_pass), client_ref=uuid.uuid4().hex, arrived=True
    )
    response = Client().get(url)
    assert response.status_code == 410 and "<svg" not in response.content.decode()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda vp: driver_token(vp)[:-2] + ("AA" if not driver_token(vp).endswith("AA") else "BB"), id="altered"),
        pytest.param(lambda vp: signing.dumps([vp.pk + 1, 1, 4102444800], salt="another-salt", compress=True), id="other-salt"),
        pytest.param(lambda vp: signing.dumps([vp.pk, "nonce"], salt=LINK_SALT), id="volunteer-link"),
        pytest.param(lambda vp: signing.dumps([vp.pk + 99, 1, 4102444800], salt=DRIVER_SALT, compress=True), id="no-such-pass"),
    ],
)
def test_a_link_not_ours_opens_nothing(approved_pass, make):
    response = Client().get(reverse("movement:driver_pass", args=[make(approved_pass)]))
    assert response.status_code == 404 and "<svg" not in response.content.decode() and "蒙A12345" not in response.content.decode()


def test_the_page_is_limited_per_link_not_per_shared_address(city, traffic, approved_pass, monkeypatch):
    """Drivers behind a carrier's NAT share one IPv4 address: one driver reloading past the link's
    limit is refused, another driver's link from the same address still opens; the address has only
    a loose cap of its own."""
    from fangkong.movement.services.passes import pass_approve
    from fangkong.movement.views import passes as views

    other = pass_approve(actor=traffic["approver"], vehicle_pass=request_pass(traffic["requester"], city.home.district, plate="蒙A54321"))
    per_link = views.DRIVER_PAGE_TOKEN_LIMITS[0][0]
    shared = Client(REMOTE_ADDR="100.64.0.7")  # carrier-grade NAT
    for _n in range(per_link):
        assert shared.get(link_of(approved_pass)).status_code == 200
    refused = shared.get(link_of(approved_pass))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert shared.get(link_of(other)).status_code == 200  # another driver on the same address
    assert Client(REMOTE_ADDR="100.64.0.8").get(link_of(approved_pass)).status_code == 429  # the link's limit, any address
    monkeypatch.setattr(views, "DRIVER_PAGE_ADDRESS_LIMITS", ((per_link + 2, 60),))  # the address's own cap
    third = pass_approve(actor=traffic["approver"], vehicle_pass=request_pass(traffic["requester"], city.home.district, plate="蒙A67890"))
    assert shared.get(link_of(third)).status_code == 429
