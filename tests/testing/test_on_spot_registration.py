"""Every ID number typed to find someone is checked first and the problem named (issue 13, item 4);
a sampler registers someone the registry does not hold on the spot and samples them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.geo.idnumbers import InvalidDocument, check_id_input, make_resident_id
from fangkong.geo.models import Person
from fangkong.testing import events
from fangkong.testing.models import TubeMember
from fangkong.testing.services import AreaSpec, tube_open

from .factories import make_point, make_round

pytestmark = pytest.mark.django_db

VALID = make_resident_id("150102", dt.date(1990, 1, 1), 777)
WRONG_CHECK = VALID[:17] + ("0" if VALID[17] != "0" else "1")


@pytest.mark.parametrize(
    ("number", "fragment"),
    [
        (WRONG_CHECK, f"末位应为 {VALID[17]}"),
        ("990102199001017770", "地区码 990102"),
        ("150102199013017770", "出生日期无效"),
        (VALID[:17], "应为 18 位，实为 17 位"),
        ("张三", "不按姓名"),
        ("E12", "证件号码格式不对"),
        ("", "请输入证件号码"),
    ],
)
def test_an_id_input_names_its_problem(number, fragment):
    with pytest.raises(InvalidDocument, match=fragment):
        check_id_input(number)


def test_other_documents_pass_by_their_format_and_messages_are_in_the_active_language():
    assert check_id_input(" e1234 5678 ") == "E12345678" and check_id_input(VALID.lower()) == VALID
    with translation.override("en"), pytest.raises(InvalidDocument) as exc:
        check_id_input(WRONG_CHECK)
    assert "校验位" not in exc.value.message and "/" not in exc.value.message


def test_a_wrong_check_digit_is_named_in_sampling_case_opening_and_tracing(setup, users, client, city):
    tube_open(actor=users["community"], testing_round=setup.round, sampling_point=setup.point, barcode="P1", pooling_mode="pooled_10")
    client.force_login(users["community"])
    body = client.post(reverse("testing:tube_add_member", args=[setup.round.pk, "P1"]), {"id_number": WRONG_CHECK}).content.decode()
    assert "校验位" in body and "人员未在人口库登记" not in body and 'id="on-spot-form"' not in body

    client.force_login(users["district"])
    body = client.post(reverse("cases:case_open"), {"id_number": WRONG_CHECK}).content.decode()
    assert "校验位" in body and "没有找到" not in body

    body = client.post(reverse("isolation:person_lookup"), {"id_number": WRONG_CHECK}).content.decode()
    assert "校验位" in body and "没有该证件号码的人员" not in body


@pytest.fixture
def tube(setup, users):
    return tube_open(actor=users["grid"], testing_round=setup.round, sampling_point=setup.point, barcode="P9", pooling_mode="pooled_10")


def register_url(setup, barcode="P9"):
    return reverse("testing:tube_register_person", args=[setup.round.pk, barcode])


def spot(**kw):
    data = {"name": "现场甲", "id_type": "resident_id", "id_number": VALID, "phone": "13800009999", "address": "迎宾小区 1 号楼 301"}
    data.update(kw)
    return {f"spot-{k}": v for k, v in data.items()}


def test_a_sampler_registers_an_unregistered_person_on_the_spot(setup, users, client, city, tube):
    client.force_login(users["grid"])
    offered = client.post(reverse("testing:tube_add_member", args=[setup.round.pk, "P9"]), {"id_number": VALID}).content.decode()
    assert 'id="on-spot-form"' in offered and VALID in offered  # the number carried into the form
    assert city.neighbour.grid.name not in offered.split('id="on-spot-form"')[1].split("</form>")[0]  # the grid worker's grid only

    response = client.post(register_url(setup), spot(grid=city.home.grid.pk))
    assert response.status_code == 302
    person = Person.objects.get(name="现场甲")
    assert decrypt(person.id_cipher) == VALID and person.id_masked != VALID and VALID not in person.id_masked
    assert (person.grid_id, person.community_id, person.household_id, person.address) == (
        city.home.grid.pk,
        city.home.community.pk,
        None,
        "迎宾小区 1 号楼 301",
    )
    assert TubeMember.objects.filter(tube=tube, person=person).exists()
    event = AuditEvent.objects.get(event_type=events.PERSON_REGISTERED_ON_SPOT, object_id=str(person.pk))
    assert event.actor == users["grid"] and event.after["tube"] == "P9" and VALID not in str(event.after)
    assert AuditEvent.objects.filter(event_type="geo.person_created", object_id=str(person.pk)).exists()
    page = client.get(response["Location"]).content.decode()
    assert "已现场登记并加入 现场甲" in page


def test_an_address_outside_the_round_or_the_sampler_is_refused_naming_the_field(setup, users, client, city, tube):
    client.force_login(users["grid"])
    body = client.post(register_url(setup), spot(grid=city.neighbour.grid.pk)).content.decode()
    assert "所选网格不在本轮检测范围内" in body and 'id="id_spot-grid-errors"' in body
    body = client.post(register_url(setup), spot(grid=city.home.grid.pk, address=" ")).content.decode()
    assert "请填写现住址" in body
    body = client.post(register_url(setup), spot(grid=city.home.grid.pk, id_number=WRONG_CHECK)).content.decode()
    assert "校验位" in body
    assert not Person.objects.filter(name="现场甲").exists() and not TubeMember.objects.filter(tube=tube).exists()


def test_a_round_elsewhere_offers_no_grid_of_the_sampler(users, city, client):
    narrow = make_round(users["command"], number=31, areas=[AreaSpec("grid", city.home.grid.pk)])
    point = make_point(city.home.community, name="社区采样点")
    tube_open(actor=users["community"], testing_round=narrow, sampling_point=point, barcode="Q1", pooling_mode="single")
    client.force_login(users["community"])
    response = client.post(
        reverse("testing:tube_register_person", args=[narrow.pk, "Q1"]), spot(grid=city.neighbour.grid.pk)
    )  # the community's other grid is not in the round
    assert "所选网格不在本轮检测范围内" in response.content.decode() and not Person.objects.filter(name="现场甲").exists()


def test_the_person_page_shows_the_address_of_someone_registered_on_the_spot(setup, users, client, city, tube):
    client.force_login(users["grid"])
    client.post(register_url(setup), spot(grid=city.home.grid.pk))
    person = Person.objects.get(name="现场甲")
    page = client.get(reverse("geo:person", args=[person.pk])).content.decode()
    assert 'id="address-without-household"' in page and "迎宾小区 1 号楼 301" in page and city.home.grid.name in page
