"""跟踪问效 per responsible person (/supervision/accountability/) exported as .xlsx: the page's table
(owner unit, responsible person, the four figures) for the page's period, through the house's audited
export (one data.export event with the period and the row count), every cell through the formula
rule; scoped as the page — a street office's file names no other district's people, a role without
supervision.view gets 403 and nothing is exported or logged."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role
from fangkong.movement.models import Checkpoint
from fangkong.supervision.choices import PlaceKind
from fangkong.supervision.models import Assignment, InspectionTeam
from fangkong.supervision.services.inspections import FindingInput, inspection_record

from ..factories import make_user
from .conftest import one_failed, record_finding

pytestmark = pytest.mark.django_db
URL = reverse("supervision:accountability")
HOME_OWNER = "甘棠整改责任人"
FAR_OWNER = "通顺整改责任人"
HEADER = ["责任单位", "责任人", "发现问题", "按时整改", "逾期整改", "未销号"]


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def period(days: int = 6) -> dict[str, str]:
    today = timezone.localdate()
    return {"start": (today - dt.timedelta(days=days)).isoformat(), "end": today.isoformat()}


def sheet_rows(response) -> list[list]:
    assert response.status_code == 200, response.content[:300]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def every_cell(response) -> str:
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


def named(user, name: str):
    user.full_name = name
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def home(sup):
    named(sup["owner"], HOME_OWNER)
    return record_finding(sup).rectifications.get()


@pytest.fixture
def far(city):
    """The other district (回民区's 通顺社区): its own team, checkpoint and an open finding, owned by its
    community worker."""
    tree = city.elsewhere
    places = {"district_id": tree.district.pk, "street_id": tree.street.pk, "community_id": tree.community.pk}
    inspector = make_user("ducha-far", Role.SUPERVISOR, [("district", tree.district)])
    owner = named(make_user("far-owner", Role.COMMUNITY_WORKER, [("community", tree.community)]), FAR_OWNER)
    team = InspectionTeam.objects.create(name="第九督导组", district=tree.district)
    team.members.set([inspector])
    checkpoint = Checkpoint.objects.create(name="通顺卡口", **places)
    assignment = Assignment.objects.create(
        team=team,
        place_kind=PlaceKind.CHECKPOINT,
        place_id=checkpoint.pk,
        place_name=checkpoint.name,
        starts_on=timezone.localdate() - dt.timedelta(days=3),
        **places,
    )
    at = timezone.now() - dt.timedelta(minutes=40)
    inspection = inspection_record(
        actor=inspector,
        assignment_id=assignment.pk,
        inspected_at=at,
        answers=one_failed(),
        findings=[FindingInput("卡口夜班缺岗", owner, at + dt.timedelta(hours=24), None)],
    )
    return inspection.rectifications.get()


def test_the_export_is_the_pages_table_and_is_audited(sup, users, home):
    page = client(users["district"]).get(URL, period()).content.decode()
    assert "data-export" in page and "format=xlsx" in page
    response = client(users["district"]).get(URL, {**period(), "format": "xlsx"})
    assert response["Content-Disposition"].startswith('attachment; filename="supervision-accountability-')
    rows = sheet_rows(response)
    assert rows == [HEADER, [home.owner_unit, HOME_OWNER, 1, 0, 0, 1]]
    event = AuditEvent.objects.get(event_type=EventType.EXPORT)
    assert event.object_type == "supervision.accountability" and event.actor_id == users["district"].pk
    assert event.after == {"list": "supervision.accountability", "format": "xlsx", "filters": period(), "rows": 1}


def test_the_export_keeps_the_pages_period(sup, users, home):
    Assignment.objects.filter(pk=sup["assignment"].pk).update(starts_on=timezone.localdate() - dt.timedelta(days=20))
    record_finding(sup, at=timezone.now() - dt.timedelta(days=10))  # before the last 7 days
    district = client(users["district"])
    assert sheet_rows(district.get(URL, {**period(), "format": "xlsx"}))[1][2:] == [1, 0, 0, 1]
    assert sheet_rows(district.get(URL, {**period(12), "format": "xlsx"}))[1][2:] == [2, 0, 0, 2]
    today = timezone.localdate().isoformat()
    refused = district.get(URL, {"start": today, "end": "2020-01-01", "format": "xlsx"})
    assert refused.status_code == 422 and "结束日期早于开始日期" in refused.content.decode()
    # At most a quarter, as the units' page (core.periods.MAX_DAYS): a longer period is refused, nothing exported.
    refused = district.get(URL, {"start": "2020-01-01", "end": today, "format": "xlsx"})
    assert refused.status_code == 422 and "期间最长 92 天" in refused.content.decode()
    assert AuditEvent.objects.filter(event_type=EventType.EXPORT).count() == 2


def test_attack_a_street_offices_export_names_no_other_districts_people(sup, users, home, far):
    everything = every_cell(client(users["command"]).get(URL, {**period(), "format": "xlsx"}))
    assert HOME_OWNER in everything and FAR_OWNER in everything and far.owner_unit in everything  # the far finding is there
    street = every_cell(client(users["street"]).get(URL, {**period(), "format": "xlsx"}))
    assert HOME_OWNER in street
    assert FAR_OWNER not in street and far.owner_unit not in street
    district = sheet_rows(client(users["district"]).get(URL, {**period(), "format": "xlsx"}))
    assert [row[1] for row in district[1:]] == [HOME_OWNER]


def test_attack_a_role_without_the_capability_gets_403_and_no_file(sup, users, home):
    response = client(users["grid"]).get(URL, {**period(), "format": "xlsx"})
    assert response.status_code == 403 and not response.streaming
    assert not AuditEvent.objects.filter(event_type=EventType.EXPORT).exists()
    nobody = sheet_rows(client(users["nogrant"]).get(URL, {**period(), "format": "xlsx"}))  # the capability, no grant
    assert nobody == [HEADER]


def test_attack_a_name_that_is_a_formula_is_written_as_text(sup, users, home):
    named(sup["owner"], '=HYPERLINK("http://evil.example","点我")')
    rows = sheet_rows(client(users["district"]).get(URL, {**period(), "format": "xlsx"}))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example","点我")'
