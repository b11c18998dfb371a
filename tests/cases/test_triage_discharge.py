"""Triage and the discharge check against each shipped policy profile; triage_suggest as a pure function."""

from __future__ import annotations

import pytest

from fangkong.cases.choices import BedType, Classification, ClinicalCriterion, FacilityKind, RiskFactor
from fangkong.cases.services import FacilityOption, TriagePolicy, case_test_record, discharge_check, triage_decide, triage_suggest
from fangkong.cases.services.policy import triage_policy
from fangkong.policy.models import PolicyParameter
from fangkong.policy.profiles import PROFILES

from .factories import activate_profile, at, open_case
from .test_services import admit

PROFILE_CODES = [p["code"] for p in PROFILES]


@pytest.mark.parametrize("code", PROFILE_CODES)
def test_triage_under_each_profile(db, code):
    profile = activate_profile(code)
    policy = triage_policy()
    expected = {
        Classification.ASYMPTOMATIC: (FacilityKind.FANGCANG, BedType.GENERAL),
        Classification.MILD: (FacilityKind.FANGCANG, BedType.GENERAL),
        Classification.MODERATE: (FacilityKind.HOSPITAL, BedType.GENERAL),
        Classification.SEVERE: (FacilityKind.HOSPITAL, BedType.ICU),
        Classification.CRITICAL: (FacilityKind.HOSPITAL, BedType.ICU),
    }
    for classification, (kind, bed) in expected.items():
        d = triage_decide(classification=classification, age=40, risk_factors=[], policy=policy)
        assert (d.kind, d.bed_type) == (kind, bed), classification
        assert profile.name in d.rule_text  # every decision names the profile it came from
    # the high-risk groups go to a designated hospital even when mild
    old = triage_decide(classification=Classification.MILD, age=70, risk_factors=[], policy=policy)
    assert old.kind == FacilityKind.HOSPITAL and old.high_risk == ("age",) and "triage.high_risk_age" in old.rule_text
    assert triage_decide(classification=Classification.MILD, age=64, risk_factors=[], policy=policy).kind == FacilityKind.FANGCANG
    pregnant = triage_decide(classification=Classification.ASYMPTOMATIC, age=30, risk_factors=[RiskFactor.PREGNANCY], policy=policy)
    assert pregnant.kind == FacilityKind.HOSPITAL and "triage.high_risk_conditions" in pregnant.rule_text


def test_triage_follows_a_changed_local_profile(db):
    activate_profile("twenty-measures")
    PolicyParameter.objects.filter(profile__is_active=True, key="triage.high_risk_age").update(value=60)
    PolicyParameter.objects.filter(profile__is_active=True, key="triage.high_risk_conditions").update(value=["pregnancy"])
    policy = triage_policy()
    assert triage_decide(classification="mild", age=62, risk_factors=[], policy=policy).kind == FacilityKind.HOSPITAL
    assert triage_decide(classification="mild", age=40, risk_factors=["obesity"], policy=policy).kind == FacilityKind.FANGCANG


def _policy(**overrides) -> TriagePolicy:
    values = {
        "fangcang_classes": frozenset({"asymptomatic", "mild"}),
        "hospital_classes": frozenset({"moderate", "severe", "critical"}),
        "icu_classes": frozenset({"severe", "critical"}),
        "high_risk_age": 65,
        "high_risk_conditions": frozenset({"underlying_condition", "pregnancy"}),
    }
    return TriagePolicy(**{**values, **overrides})


def _opt(pk, kind, district, free, bed="general", **kw) -> FacilityOption:
    return FacilityOption(facility_id=pk, name=f"F{pk}", kind=kind, district_id=district, bed_type=bed, free=free, **kw)


def test_the_suggestion_prefers_the_cases_district_then_the_most_free_beds():
    facilities = [
        _opt(1, "fangcang", district=2, free=500),
        _opt(2, "fangcang", district=1, free=3),
        _opt(3, "fangcang", district=1, free=40),
        _opt(4, "hospital", district=1, free=900),
        _opt(5, "fangcang", district=1, free=0),
    ]
    s = triage_suggest(classification="mild", age=30, risk_factors=[], district_id=1, policy=_policy(), facilities=facilities)
    assert s.facility.facility_id == 3 and [f.facility_id for f in s.candidates] == [3, 2, 1, 5]
    s = triage_suggest(classification="mild", age=30, risk_factors=[], district_id=9, policy=_policy(), facilities=facilities)
    assert s.facility.facility_id == 1


def test_no_suggestion_when_every_fitting_bed_is_taken():
    facilities = [_opt(1, "hospital", 1, free=0, bed="icu"), _opt(2, "hospital", 1, free=10, bed="general"), _opt(3, "fangcang", 1, 99)]
    s = triage_suggest(classification="critical", age=50, risk_factors=[], district_id=1, policy=_policy(), facilities=facilities)
    assert s.facility is None and s.bed_type == "icu" and "没有空余" in s.note


def test_facility_admission_rules_filter_the_suggestion():
    facilities = [
        _opt(1, "fangcang", 1, free=10, max_age=60),
        _opt(2, "fangcang", 1, free=5, admission_classes=("asymptomatic",)),
        _opt(3, "fangcang", 1, free=2, is_active=False),
        _opt(4, "fangcang", 2, free=1),
    ]
    s = triage_suggest(classification="mild", age=62, risk_factors=[], district_id=1, policy=_policy(), facilities=facilities)
    assert s.facility.facility_id == 4  # too old for 1, class not admitted by 2, 3 closed
    s = triage_suggest(classification="asymptomatic", age=30, risk_factors=[], district_id=1, policy=_policy(), facilities=facilities)
    assert s.facility.facility_id == 1
    # a Fangcang that declares it admits high-risk patients still gets none: triage sends them to a hospital
    high_risk = [_opt(1, "fangcang", 1, free=10, admits_high_risk=True), _opt(2, "hospital", 1, free=1)]
    s = triage_suggest(classification="mild", age=80, risk_factors=[], district_id=1, policy=_policy(), facilities=high_risk)
    assert s.kind == "hospital" and s.facility.facility_id == 2


# ---- discharge under each profile ----


@pytest.mark.parametrize("code", PROFILE_CODES)
def test_discharge_check_under_each_profile(wards, users, code):
    profile = activate_profile(code)
    case = open_case(users["command"], wards.people[0], Classification.MILD)
    admit(case, wards, users)
    staff = wards.fangcang_user
    check = discharge_check(case=case)
    assert not check.passed and {c.key for c in check.failed} == {"discharge.ct_threshold", "discharge.tests_required"}
    assert all(profile.name in c.citation for c in check.criteria)
    case_test_record(actor=staff, case=case, ct_orf1ab=30, ct_n=33, sampled_at=at(10))  # positive
    case_test_record(actor=staff, case=case, ct_orf1ab=35, ct_n=36, sampled_at=at(30))  # Ct ≥ 35 qualifies
    check = discharge_check(case=case)
    assert [c.passed for c in check.criteria[:2]] == [True, False] and "1/2" in check.criteria[1].detail
    case_test_record(actor=staff, case=case, ct_orf1ab=34.9, sampled_at=at(45))  # under 35 breaks the run
    case_test_record(actor=staff, case=case, result="negative", sampled_at=at(60))
    case_test_record(actor=staff, case=case, result="negative", sampled_at=at(70))  # only 10 h after
    assert not discharge_check(case=case).passed
    case_test_record(actor=staff, case=case, result="invalid", sampled_at=at(80))  # not a result: skipped
    case_test_record(actor=staff, case=case, result="negative", sampled_at=at(84))  # 24 h after the one at 60
    check = discharge_check(case=case)
    assert check.passed and len(check.tests_used) == 2
    # asking as of an earlier time sees only the tests sampled by then
    assert not discharge_check(case=case, at=at(71)).passed


@pytest.mark.parametrize("code", PROFILE_CODES)
def test_clinical_conditions_apply_from_moderate_by_the_most_severe_class(wards, users, code):
    activate_profile(code)
    case = open_case(users["command"], wards.people[0], Classification.MODERATE)
    admit(case, wards, users)
    for h in (24, 48):
        case_test_record(actor=wards.hospital_user, case=case, result="negative", sampled_at=at(h))
    check = discharge_check(case=case)
    assert not check.passed
    assert {c.key for c in check.failed} == {f"discharge.clinical_criteria:{c}" for c in ClinicalCriterion.values}
    assert discharge_check(case=case, clinical=ClinicalCriterion.values).passed
    # a mild case never worse than mild: no clinical conditions
    mild = open_case(users["command"], wards.people[1], Classification.MILD)
    admit(mild, wards, users)
    for h in (24, 48):
        case_test_record(actor=wards.fangcang_user, case=mild, result="negative", sampled_at=at(h))
    check = discharge_check(case=mild)
    assert check.passed and check.criteria[-1].key == "discharge.clinical_classes"


def test_a_changed_discharge_rule_changes_the_check(wards, users):
    activate_profile("ninth-edition")
    PolicyParameter.objects.filter(profile__is_active=True, key="discharge.tests_required").update(value=3)
    case = open_case(users["command"], wards.people[0], Classification.MILD)
    admit(case, wards, users)
    for h in (24, 48):
        case_test_record(actor=wards.fangcang_user, case=case, result="negative", sampled_at=at(h))
    check = discharge_check(case=case)
    assert not check.passed and "2/3" in check.criteria[1].detail


# ---- deadlines and the monitoring period follow the policy ----


def test_transfer_deadline_same_day_or_hours(wards, users):
    import datetime as dt

    from fangkong.cases.models import Transfer

    from .factories import BEIJING

    late_night = open_case(users["command"], wards.people[0], confirmed_at=dt.datetime(2022, 11, 14, 23, 50, tzinfo=BEIJING))
    assert Transfer.objects.get(case=late_night).deadline_at == dt.datetime(2022, 11, 15, 0, 0, tzinfo=BEIJING)
    PolicyParameter.objects.filter(profile__is_active=True, key="transfer.deadline").update(value="12")
    case = open_case(users["command"], wards.people[1], confirmed_at=at(1))
    t = Transfer.objects.get(case=case)
    assert t.deadline_at == at(13) and "transfer.deadline" in t.deadline_rule


@pytest.mark.parametrize(("convention", "ends_on"), [("isolation_start_date", 23), ("day_after_start", 24)])
def test_home_monitoring_days_follow_the_day_one_rule(wards, users, convention, ends_on):
    """Discharged 2022-11-16 16:00, 7 days: day 1 is the 16th (days 16–22, over at the 23rd 00:00),
    or the 17th when the start day does not count."""
    import datetime as dt

    from fangkong.cases.services import case_discharge

    from .factories import BEIJING

    PolicyParameter.objects.filter(profile__is_active=True, key="regimen.day_one").update(value=convention)
    case = open_case(users["command"], wards.people[0], Classification.MILD)
    admit(case, wards, users)
    for h in (24, 48):
        case_test_record(actor=wards.fangcang_user, case=case, result="negative", sampled_at=at(h))
    m = case_discharge(actor=wards.fangcang_user, case=case, at=at(56)).monitoring  # 2022-11-16 16:00
    assert m.ends_at == dt.datetime(2022, 11, ends_on, 0, 0, tzinfo=BEIJING)
    assert "discharge.home_monitoring_days" in m.rule and "regimen.day_one" in m.rule
