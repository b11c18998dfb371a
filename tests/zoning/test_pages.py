"""The risk-area pages and the public list: without login the list shows places and levels only
(no person, no case, no reason), searchable by address, in zh and en, as JSON and a printable notice;
a proposed area is not on it, a lifted one leaves it at once; the public endpoints are rate-limited.
Signed in: the list, the detail with its clock and missing list (masked, need-to-know), the declare
form and the command's decisions, a lifting before its rule refused with its 依据."""

from __future__ import annotations

import json

from django.conf import settings
from django.test import Client
from django.urls import reverse

from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.models import RiskArea
from fangkong.zoning.services import area_approve, area_lift, area_propose, lifting_review

from .conftest import day

PEOPLE = ("钱多多", "孙悟空", "周芷若", "王秀英", "李建国")


def in_force(users, block, **kw):
    area = area_propose(
        actor=users["district"],
        name="迎宾小区3号楼",
        area_class=AreaClass.SEALED,
        places=[("building", block.tree.building.pk)],
        reason="同楼确诊（机密理由）",
        **kw,
    )
    return area_approve(actor=users["command"], area=area)


def test_public_list_without_login_places_only_and_lifted_areas_leave_it(twenty, users, block, lab, at):
    at(day(0))
    area = in_force(users, block)
    area_propose(actor=users["district"], name="未批准", area_class=AreaClass.SEALED, places=[("unit", block.tree.unit.pk)], reason="x")
    at(day(1))
    anonymous = Client()
    page = anonymous.get(reverse("zoning:public_list"))
    body = page.content.decode()
    assert page.status_code == 200 and "3号楼" in body and "高风险区" in body and "迎宾小区" in body and "新城区" in body
    assert not any(name in body for name in PEOPLE) and "机密理由" not in body
    assert "1单元" not in body  # the proposed area is not public
    feed = json.loads(anonymous.get(reverse("zoning:public_feed")).content)
    assert feed["count"] == 1 and feed["areas"][0]["building"] == "3号楼" and feed["areas"][0]["level"] == "sealed"
    assert not any(name in json.dumps(feed, ensure_ascii=False) for name in PEOPLE)
    assert "3号楼" in anonymous.get(reverse("zoning:public_notice")).content.decode()
    found = anonymous.get(reverse("zoning:public_list"), {"q": "迎宾小区 3号楼"}).content.decode()
    assert "data-public-list" in found
    missing = anonymous.get(reverse("zoning:public_list"), {"q": "通顺小区"}).content.decode()
    assert "data-not-found" in missing
    anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = anonymous.get(reverse("zoning:public_list")).content.decode()
    assert "High-risk area" in english and "Current risk areas" in english
    for p in block.residents:
        lab.result(p, day(5, 7), "negative")
    at(day(5, 12))
    area_lift(actor=users["command"], area=area)
    assert "3号楼" not in anonymous.get(reverse("zoning:public_list")).content.decode()
    office = Client()
    office.force_login(users["district"])
    history = office.get(reverse("zoning:area_list"), {"status": "lifted"}).content.decode()
    assert "迎宾小区3号楼" in history and "<td>5.1</td>" in history  # in force 5 days 2 hours
    assert json.loads(anonymous.get(reverse("zoning:public_feed")).content)["count"] == 0


def test_public_list_is_rate_limited(twenty, settings):  # noqa: F811 (the pytest-django fixture)
    settings.FANGKONG_PUBLIC_LIMITS = ((2, 60),)
    anonymous = Client()
    assert [anonymous.get(reverse("zoning:public_feed")).status_code for _ in range(3)] == [200, 200, 429]


def test_area_pages_clock_missing_list_masked_and_decisions(twenty, users, block, lab, at):
    at(day(0))
    area = in_force(users, block)
    at(day(5, 12))
    lab.result(block.residents[0], day(5, 7), "")  # sampled, awaited
    office = Client()
    office.force_login(users["district"])
    assert "迎宾小区3号楼" in office.get(reverse("zoning:area_list")).content.decode()
    body = office.get(reverse("zoning:area_detail", args=[area.pk])).content.decode()
    assert "第5天筛查：1 人未出结果，2 人未采样" in body
    assert "钱**" in body and "钱多多" not in body  # masked
    command = Client()
    command.force_login(users["command"])
    refused = command.post(reverse("zoning:area_lift", args=[area.pk]))
    assert refused.status_code == 422 and "risk.high_lift_clean_days" in refused.content.decode()
    assert 'data-rule="zoning.lift_rule"' in refused.content.decode()
    assert RiskArea.objects.get(pk=area.pk).status == AreaStatus.IN_FORCE
    assert office.post(reverse("zoning:area_lift", args=[area.pk])).status_code == 403
    assert "迎宾小区3号楼" not in office.get(reverse("zoning:area_list"), {"lift": "due"}).content.decode()
    lab.result(block.residents[0], day(5, 7), "negative")
    for p in block.residents[1:]:
        lab.result(p, day(5, 8), "negative")
    assert "迎宾小区3号楼" in office.get(reverse("zoning:area_list"), {"lift": "due"}).content.decode()


def test_declare_form_proposes_and_the_command_approves(twenty, users, block, at):
    at(day(0))
    office = Client()
    office.force_login(users["district"])
    url = reverse("zoning:area_declare")
    assert "迎宾小区" in office.get(url, {"q": "迎宾"}).content.decode()
    form = office.get(url, {"compound": block.tree.compound.pk}).content.decode()
    assert "3号楼" in form and "高风险区" in form
    posted = office.post(
        url,
        {
            "compound": block.tree.compound.pk,
            "area_class": "sealed",
            "places": [f"compound:{block.tree.compound.pk}"],
            "reason": "多栋楼出现阳性",
        },
    )
    assert posted.status_code == 200 and 'data-field="justification"' in posted.content.decode()
    posted = office.post(
        url,
        {"compound": block.tree.compound.pk, "area_class": "sealed", "places": [f"building:{block.tree.building.pk}"], "reason": "阳性"},
    )
    area = RiskArea.objects.get()
    assert posted.status_code == 302 and area.status == AreaStatus.PROPOSED
    command = Client()
    command.force_login(users["command"])
    assert command.post(reverse("zoning:area_approve", args=[area.pk])).status_code == 302
    assert RiskArea.objects.get().status == AreaStatus.IN_FORCE
    elsewhere = office.get(url, {"compound": 999999})
    assert elsewhere.status_code == 404


def test_the_command_finds_proposals_and_areas_due_to_lift_on_its_home_page(client, twenty, users, block, lab, at):
    at(day(0, 9))
    area_propose(
        actor=users["district"], name="迎宾小区5号楼", area_class=AreaClass.SEALED, places=[("unit", block.tree.unit.pk)], reason="同楼确诊"
    )
    due = in_force(users, block)
    for p in block.residents:
        lab.result(p, day(5, 7), "negative")
    at(day(6, 11))
    assert lifting_review(at=day(6, 11)) == [due.pk]  # due by its clock: the review marks it
    client.force_login(users["command"])
    panel = {p.key: p for p in client.get(reverse("reports:home")).context["panels"]}["zoning-decisions"]
    assert panel.count == 2
    assert [(r.text, r.flag) for r in panel.rows] == [("迎宾小区5号楼", "待批准"), ("迎宾小区3号楼", "可解除")]
    assert all(r.url.startswith("/zoning/") for r in panel.rows)
    client.force_login(users["district"])  # proposes, does not decide: no such panel
    assert "zoning-decisions" not in {p.key for p in client.get(reverse("reports:home")).context["panels"]}
