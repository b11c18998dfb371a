"""督导 fixtures: a supervision team of two inspectors in the home district, assigned a checkpoint in
the home community; an inspector of another team; the community worker owns the findings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.movement.models import Checkpoint
from fangkong.supervision.choices import Answer, PlaceKind
from fangkong.supervision.models import Assignment, ChecklistItem, InspectionTeam
from fangkong.supervision.services.inspections import FindingInput, inspection_record

from ..factories import make_user

# The smallest JPEG header the photo check reads, and a PNG's.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, JPEG, content_type="image/jpeg")


@pytest.fixture
def sup(city, users):
    d = city.home.district
    inspector = make_user("ducha1", Role.SUPERVISOR, [("district", d)])
    partner = make_user("ducha2", Role.SUPERVISOR, [("district", d)])
    outsider = make_user("ducha3", Role.SUPERVISOR, [("district", d)])
    team = InspectionTeam.objects.create(name="第一督导组", district=d)
    team.members.set([inspector, partner])
    other_team = InspectionTeam.objects.create(name="第二督导组", district=d)
    other_team.members.set([outsider])
    home = city.home
    cp = Checkpoint.objects.create(name="金桥卡口", district_id=d.pk, street_id=home.street.pk, community_id=home.community.pk)
    other_cp = Checkpoint.objects.create(name="东出口卡口", district_id=d.pk, street_id=home.street.pk, community_id=home.community.pk)
    start = timezone.localdate() - dt.timedelta(days=3)
    places = {"district_id": d.pk, "street_id": home.street.pk, "community_id": home.community.pk}
    assignment = Assignment.objects.create(
        team=team, place_kind=PlaceKind.CHECKPOINT, place_id=cp.pk, place_name=cp.name, starts_on=start, **places
    )
    other = Assignment.objects.create(
        team=other_team, place_kind=PlaceKind.CHECKPOINT, place_id=other_cp.pk, place_name=other_cp.name, starts_on=start, **places
    )
    return {
        "inspector": inspector,
        "partner": partner,
        "outsider": outsider,
        "team": team,
        "assignment": assignment,
        "other": other,
        "owner": users["community"],
    }


def all_pass(kind: str = PlaceKind.CHECKPOINT) -> dict[int, str]:
    return {i.pk: Answer.PASS for i in ChecklistItem.objects.filter(place_kind=kind, active=True)}


def one_failed(kind: str = PlaceKind.CHECKPOINT) -> dict[int, str]:
    answers = all_pass(kind)
    answers[next(iter(answers))] = Answer.FAIL
    return answers


def record_finding(sup, *, at=None, deadline=None, photo=True, actor=None):
    at = at or timezone.now() - dt.timedelta(minutes=30)
    finding = FindingInput("值守人员不在岗", sup["owner"], deadline or at + dt.timedelta(hours=24), jpeg() if photo else None)
    return inspection_record(
        actor=actor or sup["inspector"], assignment_id=sup["assignment"].pk, inspected_at=at, answers=one_failed(), findings=[finding]
    )
