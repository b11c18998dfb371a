"""督导's pages as users meet them: an inspector records an inspection with a finding and its photo
from the phone form, the owner gives evidence, the inspector verifies; the attacks — another team's
place posted (refused, nothing written), another team's rectification or photo (404), a role without
the capability (403), script in a finding (escaped)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.supervision.choices import Answer, RectificationStatus
from fangkong.supervision.models import ChecklistItem, Inspection, Rectification

from .conftest import jpeg, record_finding

pytestmark = pytest.mark.django_db
XSS = '<img src=x onerror="alert(1)">'


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def inspection_post(sup, assignment, *, finding: str = "值守人员不在岗", **extra) -> dict:
    items = ChecklistItem.objects.filter(place_kind=assignment.place_kind)
    data = {f"item_{i.pk}": Answer.PASS for i in items}
    data[f"item_{items[0].pk}"] = Answer.FAIL
    now = timezone.now()
    data.update(
        assignment=assignment.pk,
        inspected_at=local(now - dt.timedelta(minutes=5)),
        finding=finding,
        owner=sup["owner"].pk,
        deadline=local(now + dt.timedelta(hours=24)),
        latitude="40.812345",
        longitude="111.654321",
        photo=jpeg(),
    )
    data.update(extra)
    return data


def test_an_inspector_records_a_finding_with_a_photo_and_the_owner_and_inspector_close_it(sup):
    c = client(sup["inspector"])
    pick = c.get(reverse("supervision:inspection_new"))
    assert sup["assignment"].place_name in pick.content.decode() and sup["other"].place_name not in pick.content.decode()
    form = c.get(reverse("supervision:inspection_new") + f"?assignment={sup['assignment'].pk}")
    assert form.status_code == 200 and "逢车必查" in form.content.decode()
    response = c.post(reverse("supervision:inspection_new"), inspection_post(sup, sup["assignment"], finding=XSS))
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection = Inspection.objects.get()
    assert float(inspection.latitude) == pytest.approx(40.812345)
    rect = inspection.rectifications.get()
    detail = c.get(reverse("supervision:rectification_detail", args=[rect.pk])).content.decode()
    assert XSS not in detail and "&lt;img" in detail
    image = c.get(reverse("supervision:photo", args=[rect.pk, "finding"]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg" and image["Cache-Control"] == "no-store"

    owner = client(sup["owner"])
    refused = owner.post(reverse("supervision:rectification_fix", args=[rect.pk]), {"evidence": "已整改"})
    assert refused.status_code == 422 and "请上传整改后的照片" in refused.content.decode()
    done = owner.post(reverse("supervision:rectification_fix", args=[rect.pk]), {"evidence": "已安排轮班", "photo": jpeg()})
    assert done.status_code == 302
    verified = client(sup["partner"]).post(reverse("supervision:rectification_verify", args=[rect.pk]), {"decision": "verified"})
    assert verified.status_code == 302
    assert Rectification.objects.get().status == RectificationStatus.VERIFIED


def test_attack_posting_an_inspection_of_another_teams_place_is_refused_and_nothing_is_written(sup):
    c = client(sup["inspector"])
    data = inspection_post(sup, sup["other"], finding="")
    data.pop("owner")
    response = c.post(reverse("supervision:inspection_new"), data)
    assert response.status_code == 422
    assert "不在您所在督导组的分派范围内" in response.content.decode()
    assert not Inspection.objects.exists()


def test_attack_another_teams_inspector_sees_no_rectification_nor_photo(sup):
    rect = record_finding(sup).rectifications.get()
    c = client(sup["outsider"])
    assert c.get(reverse("supervision:rectification_detail", args=[rect.pk])).status_code == 404
    assert c.get(reverse("supervision:photo", args=[rect.pk, "finding"])).status_code == 404
    assert c.get(reverse("supervision:assignment_detail", args=[sup["assignment"].pk])).status_code == 404
    assert c.get(reverse("supervision:inspection_detail", args=[rect.inspection_id])).status_code == 404
    assert c.post(reverse("supervision:rectification_verify", args=[rect.pk]), {"decision": "verified"}).status_code == 404


def test_a_role_without_the_capability_is_refused(sup, users):
    rect = record_finding(sup).rectifications.get()
    grid = client(users["grid"])
    assert grid.get(reverse("supervision:home")).status_code == 403
    assert grid.get(reverse("supervision:rectification_detail", args=[rect.pk])).status_code == 403
    office = client(users["district"])
    assert office.get(reverse("supervision:inspection_new")).status_code == 403  # offices do not inspect
    assert office.post(reverse("supervision:rectification_verify", args=[rect.pk]), {"decision": "verified"}).status_code == 403


@pytest.mark.parametrize("role", ["command", "district", "street", "community", "auditor"])
def test_the_offices_pages_render(sup, users, role):
    record_finding(sup)
    c = client(users[role])
    for name in ("supervision:home", "supervision:rectification_list", "supervision:accountability"):
        assert c.get(reverse(name)).status_code == 200, name


def test_accountability_drills_down_to_the_items(sup, users):
    rect = record_finding(sup).rectifications.get()
    today = timezone.localdate()
    query = f"?start={today - dt.timedelta(days=1)}&end={today}&unit=迎宾南路社区&owner={sup['owner'].pk}&figure=open"
    page = client(users["district"]).get(reverse("supervision:accountability") + query).content.decode()
    assert reverse("supervision:rectification_detail", args=[rect.pk]) in page


def test_the_board_has_a_supervision_row_and_the_team_lands_on_its_rounds(sup, users):
    record_finding(sup, at=timezone.now() - dt.timedelta(hours=30))  # overdue by 6 hours
    board = client(users["district"]).get(reverse("reports:board")).content.decode()
    assert "逾期未整改（条）" in board
    home = client(sup["inspector"]).get(reverse("reports:home")).content.decode()
    assert "今日缺失的督导轮次" in home and "待验证的整改" in home
    owner_home = client(sup["owner"]).get(reverse("reports:home")).content.decode()
    assert "我负责的督导整改" in owner_home and "值守人员不在岗" in owner_home


def test_a_district_office_sets_up_a_team_and_assigns_a_place(sup, users, city):
    from fangkong.supervision.models import Assignment, InspectionTeam

    office = client(users["district"])
    page = office.get(reverse("supervision:team_list")).content.decode()
    assert "第一督导组" in page and "组建督导组" in page
    bad = office.post(
        reverse("supervision:team_new"), {"name": "第三督导组", "district": city.home.district.pk, "members": [users["grid"].pk]}
    )
    assert bad.status_code == 422 and not InspectionTeam.objects.filter(name="第三督导组").exists()
    made = office.post(
        reverse("supervision:team_new"), {"name": "第三督导组", "district": city.home.district.pk, "members": [sup["outsider"].pk]}
    )
    assert made.status_code == 302
    team = InspectionTeam.objects.get(name="第三督导组")
    cp = sup["assignment"].place_id
    done = office.post(
        reverse("supervision:assignment_new"), {"team": team.pk, "place": f"checkpoint:{cp}", "starts_on": str(timezone.localdate())}
    )
    assert done.status_code == 302 and Assignment.objects.filter(team=team, place_id=cp).exists()
    assert client(sup["inspector"]).post(reverse("supervision:team_new"), {"name": "x"}).status_code == 403
