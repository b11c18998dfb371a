"""Scoping fails closed: a hospital sees its own patients, a district its district's cases, a
community its residents' home monitoring; nobody without a grant sees anything."""

from __future__ import annotations

import pytest
from django.http import Http404

from fangkong.cases.choices import Classification
from fangkong.cases.models import Case, CaseTest, Discharge, HealthMonitoring, Transfer
from fangkong.cases.selectors import case_get, case_list, case_timeline, monitoring_list, transfer_board
from fangkong.cases.services import case_classify, case_discharge, case_test_record, transfer_dispatch
from fangkong.core.errors import PermissionRefused

from .factories import at, board_transfer, open_case
from .test_services import admit


@pytest.fixture
def spread(wards, users):
    """in_hospital (新城区, admitted at the hospital), in_fangcang (新城区, admitted at the Fangcang),
    coming (新城区, dispatched to the hospital), waiting (回民区, on the board), discharged (Fangcang)."""
    command = users["command"]
    p = wards.people
    in_hospital = open_case(command, p[0], Classification.MODERATE)
    admit(in_hospital, wards, users)
    case_test_record(actor=wards.hospital_user, case=in_hospital, result="negative", sampled_at=at(5))
    in_fangcang = open_case(command, p[1], Classification.MILD)
    admit(in_fangcang, wards, users)
    coming = open_case(command, p[2], Classification.MODERATE)
    transfer_dispatch(actor=command, transfer=board_transfer(coming), vehicle="车3", at=at(4))
    waiting = open_case(command, wards.elsewhere, Classification.MILD)
    discharged = open_case(command, p[3], Classification.MILD)
    admit(discharged, wards, users)
    for h in (24, 48):
        case_test_record(actor=wards.fangcang_user, case=discharged, result="negative", sampled_at=at(h))
    case_discharge(actor=wards.fangcang_user, case=discharged, at=at(50))
    return {"in_hospital": in_hospital, "in_fangcang": in_fangcang, "coming": coming, "waiting": waiting, "discharged": discharged}


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_a_hospital_sees_only_its_own_patients(spread, wards):
    hospital, fangcang = wards.hospital_user, wards.fangcang_user
    assert ids(case_list(user=hospital)) == {spread["in_hospital"].pk, spread["coming"].pk}
    assert ids(case_list(user=fangcang)) == {spread["in_fangcang"].pk, spread["discharged"].pk}
    assert {i.case.pk for i in transfer_board(user=hospital, now=at(6))} == {spread["coming"].pk}
    assert transfer_board(user=fangcang, now=at(6)) == []
    own_tests = set(CaseTest.objects.filter(case=spread["in_hospital"]).values_list("pk", flat=True))
    assert ids(CaseTest.objects.visible_to(hospital)) == own_tests
    assert ids(Discharge.objects.visible_to(hospital)) == set() and ids(Discharge.objects.visible_to(fangcang)) == ids(Discharge.objects)
    assert ids(HealthMonitoring.objects.visible_to(hospital)) == set()
    with pytest.raises(Http404):
        case_get(user=hospital, pk=spread["in_fangcang"].pk)
    with pytest.raises(PermissionRefused):
        case_classify(actor=hospital, case=spread["in_fangcang"], classification="severe", at=at(7))


def test_a_district_sees_only_its_districts_cases(spread, users, wards):
    district = users["district"]
    everything = {c.pk for c in spread.values()}
    assert ids(case_list(user=users["command"])) == everything
    assert ids(case_list(user=district)) == everything - {spread["waiting"].pk}
    assert {i.case.pk for i in transfer_board(user=district, now=at(6))} == {spread["coming"].pk}
    assert case_get(user=district, pk=spread["coming"].pk) == spread["coming"]
    with pytest.raises(Http404):
        case_get(user=district, pk=spread["waiting"].pk)
    with pytest.raises(Http404):
        case_timeline(user=district, person=wards.elsewhere)
    assert case_timeline(user=users["command"], person=wards.elsewhere)
    with pytest.raises(PermissionRefused):
        transfer_dispatch(actor=district, transfer=board_transfer(spread["waiting"]), vehicle="车", at=at(6))


def test_a_community_sees_its_residents_monitoring(spread, users, city):
    community = users["community"]
    (m,) = monitoring_list(user=community)
    assert m.case == spread["discharged"] and m.community_id == city.home.community.pk
    assert ids(case_list(user=community)) == {c.pk for c in spread.values()} - {spread["waiting"].pk}


def test_no_grant_sees_nothing(spread, users):
    nobody = users["nogrant"]
    assert not case_list(user=nobody).exists()
    assert transfer_board(user=nobody, now=at(6)) == []
    assert not monitoring_list(user=nobody).exists()
    for model in (Case, Transfer, CaseTest, Discharge, HealthMonitoring):
        assert not model.objects.visible_to(nobody).exists()
    with pytest.raises(Http404):
        case_get(user=nobody, pk=spread["in_hospital"].pk)
