"""Services: opening cases (queue and by hand), triage, transfer, admission, discharge, monitoring; refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from fangkong.audit.models import AuditEvent
from fangkong.cases import events
from fangkong.cases.choices import (
    BedType,
    CarePhase,
    CaseSource,
    CaseStatus,
    Classification,
    ClinicalCriterion,
    FacilityKind,
    MonitoringStatus,
    RiskFactor,
    TransferReason,
    TransferStatus,
)
from fangkong.cases.models import Case, CaseClassification, CaseTest, Discharge, HealthMonitoring, Transfer
from fangkong.cases.services import (
    care_reopen,
    case_classify,
    case_discharge,
    case_open_from_positive,
    case_test_record,
    case_withdraw,
    cases_open_from_queue,
    facility_beds_set,
    facility_create,
    monitoring_complete,
    monitoring_record_test,
    transfer_admit,
    transfer_dispatch,
    transfer_pick_up,
    transfer_refuse,
)
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.testing.choices import ControlStatus, PositiveStatus
from fangkong.testing.models import ConfirmedPositive, PersonControl
from fangkong.testing.services import Binding, bulk_bind
from fangkong.zoning.choices import AreaClass, FoundIn

from ..factories import make_person, next_id_number
from ..testing import factories as tf
from .factories import at, beds, board_transfer, open_case


def admit(case, wards, users, hours=2.0, facility=None, user=None):
    """Dispatch (to the suggestion unless `facility`), pick up and admit; returns the transfer."""
    t = board_transfer(case)
    t = transfer_dispatch(actor=users["command"], transfer=t, vehicle="蒙A·12345", crew="张医生", facility=facility, at=at(hours))
    t = transfer_pick_up(actor=users["command"], transfer=t, at=at(hours + 0.5))
    staff = user or (wards.hospital_user if t.assigned_facility_id == wards.hospital.pk else wards.fangcang_user)
    return transfer_admit(actor=staff, transfer=t, at=at(hours + 1))


def negative_tests(case, user, first_hours: float, gap: float = 24.0, n: int = 2):
    for i in range(n):
        case_test_record(actor=user, case=case, result="negative", sampled_at=at(first_hours + i * gap))


# ---- opening by hand ----


def test_a_case_by_hand_is_triaged_and_put_on_the_board_due_the_same_day(wards, users):
    case = open_case(users["district"], wards.people[0], Classification.MILD, confirmed_at=at(2))
    assert case.status == CaseStatus.OPEN and case.source == CaseSource.HOSPITAL_REPORT
    assert case.found_in == FoundIn.COMMUNITY and "社会面" in case.found_in_basis
    assert (case.district_id, case.community_id) == (wards.people[0].district_id, wards.people[0].community_id)
    t = board_transfer(case)
    assert t.triage_kind == FacilityKind.FANGCANG and t.triage_bed_type == BedType.GENERAL
    assert "triage.fangcang_classes" in t.triage_rule and "二十条" in t.triage_rule or "第九版" in t.triage_rule
    # same day = the end of the local (Beijing) day of confirmation
    assert t.deadline_at == dt.datetime(2022, 11, 15, 0, 0, tzinfo=tf.BEIJING)
    assert "transfer.deadline" in t.deadline_rule
    assert CaseClassification.objects.get(case=case).classification == Classification.MILD
    event = AuditEvent.objects.get(event_type=events.OPENED, object_id=str(case.pk))
    assert event.after["found_in"] == FoundIn.COMMUNITY and event.actor == users["district"]


def test_found_in_is_derived_from_person_control(wards, users):
    person = wards.people[1]
    PersonControl.objects.create(
        person=person, reason="混管 P1 阳性，就地管控待单采复检", started_at=at(-5), district_id=person.district_id
    )
    case = open_case(users["command"], person, confirmed_at=at(0))
    assert case.found_in == FoundIn.CONTROLLED and "就地管控" in case.found_in_basis


def test_a_lifted_control_before_confirmation_does_not_count(wards, users):
    person = wards.people[1]
    PersonControl.objects.create(
        person=person, reason="x", started_at=at(-10), status=ControlStatus.LIFTED, ended_at=at(-5), district_id=person.district_id
    )
    assert open_case(users["command"], person, confirmed_at=at(0)).found_in == FoundIn.COMMUNITY


def test_found_in_is_derived_from_the_risk_area_in_force(wards, users, city):
    """One rule (fangkong.zoning.found_in): a person living in an area under control when the positive
    was taken was found there; the other district, outside any area, is the open community."""
    from fangkong.zoning.services import area_declare

    area_declare(
        actor=users["command"],
        name="迎宾南路社区封控区",
        area_class=AreaClass.SEALED,
        places=[("community", city.home.community.pk)],
        reason="测试",
        in_force_at=tf.T0,
    )
    case = open_case(users["command"], wards.people[2], confirmed_at=tf.T0 + dt.timedelta(days=1))
    assert case.found_in == FoundIn.CONTROLLED and "封控区" in case.found_in_basis
    other = open_case(users["command"], wards.elsewhere, confirmed_at=tf.T0 + dt.timedelta(days=1))
    assert other.found_in == FoundIn.COMMUNITY
    # before the area came into force the same community was the open community
    earlier = open_case(users["command"], wards.people[3], confirmed_at=tf.T0 - dt.timedelta(hours=1))
    assert earlier.found_in == FoundIn.COMMUNITY


def test_a_second_active_case_for_one_person_is_refused(wards, users):
    first = open_case(users["command"], wards.people[0])
    with pytest.raises(DomainError) as exc:
        open_case(users["command"], wards.people[0], source="external_notice", source_note="包头市协查函")
    assert exc.value.rule == "cases.one_active_case" and f"#{first.pk}" in exc.value.message
    assert Case.objects.count() == 1 and Transfer.objects.count() == 1


def test_times_in_the_future_or_out_of_order_are_refused(wards, users):
    from django.utils import timezone

    future = timezone.now() + dt.timedelta(hours=2)
    with pytest.raises(DomainError) as exc:
        open_case(users["command"], wards.people[0], confirmed_at=future)
    assert exc.value.rule == "time.not_in_future" and exc.value.field == "confirmed_at"
    with pytest.raises(DomainError) as exc:
        open_case(users["command"], wards.people[0], confirmed_at=at(0), onset_at=at(3))
    assert exc.value.rule == "time.order" and exc.value.field == "onset_at"
    case = open_case(users["command"], wards.people[0], confirmed_at=at(5))
    with pytest.raises(DomainError) as exc:
        transfer_dispatch(actor=users["command"], transfer=board_transfer(case), vehicle="车1", at=at(4))
    assert exc.value.rule == "time.order"
    assert board_transfer(case).status == TransferStatus.AWAITING


def test_a_hand_case_needs_a_source_and_a_note(wards, users):
    with pytest.raises(DomainError) as exc:
        open_case(users["command"], wards.people[0], source="queue")
    assert exc.value.field == "source"
    with pytest.raises(DomainError) as exc:
        open_case(users["command"], wards.people[0], source_note="  ")
    assert exc.value.field == "source_note"


def test_roles_and_jurisdiction_are_checked(wards, users):
    with pytest.raises(PermissionRefused):
        open_case(users["community"], wards.people[0])  # a community worker monitors, does not open
    with pytest.raises(PermissionRefused):
        open_case(users["district"], wards.elsewhere)  # 回民区 is not 新城区's
    case = open_case(users["district"], wards.people[0])
    with pytest.raises(PermissionRefused):
        transfer_dispatch(actor=wards.hospital_user, transfer=board_transfer(case), vehicle="车1", at=at(1))


# ---- from the testing queue ----


@pytest.fixture
def positives(city, users, wards):
    """Two single tubes positive in round 8 (2022-02-25): 王秀英 and 马丽 (回民区)."""
    lab = tf.make_lab()
    lab_user = tf.make_lab_user("lab", lab)
    r = tf.make_round(users["command"])
    point = tf.make_point(city.home.community)
    bulk_bind(
        actor=users["command"],
        testing_round=r,
        sampling_point=point,
        pooling_mode="single",
        bindings=[Binding("S1", person_id=wards.people[0].pk), Binding("S2", person_id=wards.elsewhere.pk)],
        at=tf.at(1),
    )
    tf.upload(lab_user, r, lab, [("S1", "阳性", 28, 30, "2022-02-25 15:00"), ("S2", "阳性", 31, 32, "2022-02-25 16:00")], tf.at(9))
    return list(ConfirmedPositive.objects.order_by("pk"))


def test_the_queue_becomes_cases_and_the_positives_are_handed_over(positives, users, wards):
    report = cases_open_from_queue(actor=None, at=tf.at(9.1))
    assert (report.opened, report.attached) == (2, 0)
    case = Case.objects.get(origin_positive=positives[0])
    assert case.source == CaseSource.QUEUE and case.classification == Classification.ASYMPTOMATIC
    assert case.confirmed_at == positives[0].detected_at and case.positive_at == positives[0].detected_at
    assert case.found_in == FoundIn.COMMUNITY and "社会面" in case.found_in_basis
    assert case.district_id == positives[0].district_id
    assert board_transfer(case).deadline_at == dt.datetime(2022, 2, 26, 0, 0, tzinfo=tf.BEIJING)
    assert set(ConfirmedPositive.objects.values_list("status", flat=True)) == {PositiveStatus.HANDED_OVER}
    event = AuditEvent.objects.get(event_type=events.OPENED_FROM_QUEUE)
    assert event.count == 2 and event.actor is None and event.actor_name == "system"
    # again: nothing left to do, nothing written
    assert cases_open_from_queue(actor=None).opened == 0
    assert AuditEvent.objects.filter(event_type=events.OPENED_FROM_QUEUE).count() == 1


def test_a_user_consumes_only_the_positives_of_their_jurisdiction(positives, users):
    report = cases_open_from_queue(actor=users["district"], at=tf.at(9.1))
    assert report.opened == 1
    assert ConfirmedPositive.objects.get(pk=positives[1].pk).status == PositiveStatus.AWAITING_CASE


def test_the_management_command_and_the_periodic_task_open_cases(positives, capsys):
    from fangkong.cases.tasks import open_cases_from_queue

    call_command("open_cases", "--limit", "1")
    assert Case.objects.count() == 1 and "opened 1" in capsys.readouterr().out
    assert open_cases_from_queue.call_local() == 1
    assert Case.objects.count() == 2


def test_one_positive_opened_with_the_medical_teams_assessment(positives, users, wards):
    case = case_open_from_positive(
        actor=users["command"],
        positive=positives[0],
        classification=Classification.MODERATE,
        risk_factors=[RiskFactor.PREGNANCY],
        at=tf.at(9.5),
    )
    assert case.classification == Classification.MODERATE and case.risk_factors == ["pregnancy"]
    assert board_transfer(case).triage_kind == FacilityKind.HOSPITAL
    with pytest.raises(DomainError) as exc:
        case_open_from_positive(actor=users["command"], positive=positives[0])
    assert exc.value.rule == "cases.positive_not_awaiting"


def test_a_later_positive_of_someone_under_care_is_a_test_of_their_case(positives, users, wards):
    case = open_case(users["command"], wards.people[0], confirmed_at=tf.at(-20))
    report = cases_open_from_queue(actor=None, at=tf.at(9.1))
    assert (report.opened, report.attached, report.reopened) == (1, 1, 0)
    test = CaseTest.objects.get(case=case)
    assert test.positive_id == positives[0].pk and test.phase == CarePhase.TREATMENT and test.result == "positive"
    assert Case.objects.filter(person=wards.people[0]).count() == 1


# ---- transfer, admission, beds ----


def test_the_whole_loop_from_board_to_closed_case(wards, users):
    case = open_case(users["district"], wards.people[0], Classification.MILD, confirmed_at=at(0))
    t = board_transfer(case)
    t = transfer_dispatch(actor=users["district"], transfer=t, vehicle="蒙A·120", crew="李护士", at=at(1))
    assert t.status == TransferStatus.DISPATCHED and t.assigned_facility == wards.fangcang and t.suggested_facility == wards.fangcang
    assert beds(wards.fangcang) == (0, 3)  # dispatch does not take a bed; admission does
    t = transfer_pick_up(actor=users["district"], transfer=t, at=at(1.5))
    t = transfer_admit(actor=wards.fangcang_user, transfer=t, at=at(3))
    case.refresh_from_db()
    assert case.status == CaseStatus.ADMITTED and case.facility == wards.fangcang and case.first_admitted_at == at(3)
    assert beds(wards.fangcang) == (1, 3)
    negative_tests(case, wards.fangcang_user, first_hours=48)
    discharge = case_discharge(actor=wards.fangcang_user, case=case, at=at(80))
    assert beds(wards.fangcang) == (0, 3)
    case.refresh_from_db()
    assert case.status == CaseStatus.DISCHARGED
    monitoring = discharge.monitoring
    assert monitoring.community_id == wards.people[0].community_id and monitoring.days == 7
    # discharged 11-17 16:00: day 1 is 11-17, seven days end at 11-24 00:00 Beijing
    assert monitoring.ends_at == dt.datetime(2022, 11, 24, 0, 0, tzinfo=tf.BEIJING)
    assert all(c["passed"] for c in discharge.criteria)
    with pytest.raises(DomainError) as exc:
        monitoring_complete(actor=users["community"], monitoring=monitoring, at=at(100))
    assert exc.value.rule == "discharge.home_monitoring_days" and "第九版" in exc.value.source
    monitoring_record_test(actor=users["community"], monitoring=monitoring, result="negative", sampled_at=at(120))
    monitoring_complete(actor=users["community"], monitoring=monitoring, at=dt.datetime(2022, 11, 24, 9, 0, tzinfo=tf.BEIJING))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    kinds = list(AuditEvent.objects.filter(object_type__startswith="cases.").order_by("id").values_list("event_type", flat=True))
    assert kinds == [
        events.OPENED,
        events.TRANSFER_DISPATCHED,
        events.TRANSFER_PICKED_UP,
        events.TRANSFER_ADMITTED,
        events.TEST_RECORDED,
        events.TEST_RECORDED,
        events.DISCHARGED,
        events.TEST_RECORDED,
        events.MONITORING_COMPLETED,
    ]
    # the closed case frees the person for a new one (reinfection)
    assert open_case(users["command"], wards.people[0], confirmed_at=at(400)).pk != case.pk


def test_admitting_to_a_full_facility_is_refused_and_nothing_is_half_done(wards, users):
    first, second, third = (open_case(users["command"], p, Classification.SEVERE) for p in wards.people[:3])
    admit(first, wards, users)  # the only ICU bed
    t = transfer_dispatch(
        actor=users["command"], transfer=board_transfer(second), vehicle="车2", facility=wards.hospital, bed_type="general", at=at(2)
    )
    t = transfer_pick_up(actor=users["command"], transfer=t, at=at(2.5))
    # the ICU is full: the hospital tries to admit into it
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        transfer_admit(actor=wards.hospital_user, transfer=t, bed_type="icu", at=at(3))
    assert exc.value.rule == "cases.bed_capacity" and "1/1" in exc.value.source
    t.refresh_from_db()
    second.refresh_from_db()
    assert t.status == TransferStatus.PICKED_UP and second.status == CaseStatus.OPEN and second.facility is None
    assert beds(wards.hospital, "icu") == (1, 1) and AuditEvent.objects.count() == before
    # and the board's suggestion for the third has no free ICU bed: dispatch without a facility is refused
    with pytest.raises(DomainError) as exc:
        transfer_dispatch(actor=users["command"], transfer=board_transfer(third), vehicle="车3", at=at(3))
    assert exc.value.rule == "cases.bed_capacity" and "没有空余" in exc.value.message


def test_a_transfer_for_a_closed_case_is_refused(wards, users):
    case = open_case(users["command"], wards.people[0])
    t = board_transfer(case)
    case_withdraw(actor=users["command"], case=case, reason="实验室更正结果", at=at(1))
    t.refresh_from_db()
    assert t.status == TransferStatus.CANCELLED
    with pytest.raises(DomainError) as exc:
        transfer_dispatch(actor=users["command"], transfer=t, vehicle="车1", at=at(2))
    assert exc.value.rule == "cases.transfer_case_closed"


def test_a_refusal_puts_the_case_back_on_the_board_with_its_deadline(wards, users):
    case = open_case(users["command"], wards.people[0])
    t = transfer_dispatch(actor=users["command"], transfer=board_transfer(case), vehicle="车1", at=at(1))
    with pytest.raises(DomainError) as exc:
        transfer_refuse(actor=users["command"], transfer=t, reason="", at=at(2))
    assert exc.value.field == "reason"
    again = transfer_refuse(actor=wards.fangcang_user, transfer=t, reason="方舱停电，暂停收治", at=at(2))
    t.refresh_from_db()
    assert t.status == TransferStatus.REFUSED and t.refused_reason == "方舱停电，暂停收治" and t.refused_by == wards.fangcang_user
    assert again.status == TransferStatus.AWAITING and again.reason == TransferReason.AFTER_REFUSAL
    assert again.deadline_at == t.deadline_at and again.previous == t and again.queued_at == at(2)
    # the hospital that was not asked cannot refuse for the Fangcang
    t2 = transfer_dispatch(actor=users["command"], transfer=again, vehicle="车1", facility=wards.fangcang, at=at(3))
    with pytest.raises(PermissionRefused):
        transfer_refuse(actor=wards.hospital_user, transfer=t2, reason="x", at=at(4))


def test_a_facility_refuses_cases_its_rules_do_not_admit(wards, users, city):
    old = make_person(city.home.household, "老人", id_number=next_id_number(birth=dt.date(1950, 3, 1)))
    case = open_case(users["command"], old, Classification.MILD)
    t = board_transfer(case)
    assert t.triage_kind == FacilityKind.HOSPITAL and "triage.high_risk_age" in t.triage_rule
    with pytest.raises(DomainError) as exc:
        transfer_dispatch(actor=users["command"], transfer=t, vehicle="车1", facility=wards.fangcang, at=at(1))
    assert exc.value.rule == "triage.high_risk_age" and "65" in exc.value.source
    severe = open_case(users["command"], wards.people[0], Classification.SEVERE)
    with pytest.raises(DomainError) as exc:
        transfer_dispatch(actor=users["command"], transfer=board_transfer(severe), vehicle="车2", facility=wards.fangcang, at=at(1))
    assert exc.value.rule == "triage.fangcang_classes"
    # a hospital takes a mild case if the dispatcher chooses it (the audit says the suggestion was not followed)
    mild = open_case(users["command"], wards.people[1], Classification.MILD)
    transfer_dispatch(actor=users["command"], transfer=board_transfer(mild), vehicle="车3", facility=wards.hospital, at=at(1))
    assert AuditEvent.objects.filter(event_type=events.TRANSFER_DISPATCHED).latest("id").after["followed_suggestion"] is False


def test_only_the_assigned_facility_admits(wards, users):
    case = open_case(users["command"], wards.people[0])
    t = transfer_dispatch(actor=users["command"], transfer=board_transfer(case), vehicle="车1", at=at(1))
    t = transfer_pick_up(actor=users["command"], transfer=t, at=at(2))
    with pytest.raises(PermissionRefused):
        transfer_admit(actor=wards.hospital_user, transfer=t, at=at(3))
    with pytest.raises(DomainError) as exc:
        transfer_admit(actor=users["command"], transfer=t, facility=wards.hospital, at=at(3))
    assert exc.value.rule == "cases.transfer_assigned_facility"


def test_a_hospital_admits_on_the_spot_a_case_it_reported(wards, users):
    case = open_case(users["command"], wards.people[0], Classification.MODERATE, reporting_facility=wards.hospital)
    with pytest.raises(PermissionRefused):  # not the Fangcang's case
        transfer_admit(actor=wards.fangcang_user, transfer=board_transfer(case), facility=wards.fangcang, at=at(1))
    t = transfer_admit(actor=wards.hospital_user, transfer=board_transfer(case), at=at(1))
    assert t.status == TransferStatus.ADMITTED and t.assigned_facility == wards.hospital and t.dispatched_at is None
    assert beds(wards.hospital) == (1, 2)


def test_worsening_in_a_fangcang_sends_the_patient_to_a_hospital_icu(wards, users):
    case = open_case(users["command"], wards.people[0], Classification.MILD)
    admit(case, wards, users)
    assert beds(wards.fangcang) == (1, 3)
    outcome = case_classify(actor=wards.fangcang_user, case=case, classification=Classification.SEVERE, at=at(10), note="血氧下降")
    move = outcome.transfer
    assert move is not None and move.reason == TransferReason.RECLASSIFIED and move.from_facility == wards.fangcang
    assert (move.triage_kind, move.triage_bed_type) == (FacilityKind.HOSPITAL, BedType.ICU)
    assert move.deadline_at == dt.datetime(2022, 11, 15, 0, 0, tzinfo=tf.BEIJING)
    t = transfer_dispatch(actor=users["command"], transfer=move, vehicle="负压救护车", at=at(10.5))
    assert t.assigned_facility == wards.hospital and t.assigned_bed_type == BedType.ICU
    transfer_pick_up(actor=users["command"], transfer=t, at=at(11))
    transfer_admit(actor=wards.hospital_user, transfer=t, at=at(12))
    case.refresh_from_db()
    assert case.facility == wards.hospital and case.bed_type == BedType.ICU and case.first_admitted_at == at(3)
    assert beds(wards.fangcang) == (0, 3) and beds(wards.hospital, "icu") == (1, 1)
    assert case.peak_classification == Classification.SEVERE
    # improving again changes the class, not the peak
    case_classify(actor=wards.hospital_user, case=case, classification=Classification.MILD, at=at(60))
    case.refresh_from_db()
    assert case.classification == Classification.MILD and case.peak_classification == Classification.SEVERE


def test_reclassification_while_waiting_retriages_the_board(wards, users):
    case = open_case(users["command"], wards.people[0], Classification.ASYMPTOMATIC)
    case_classify(
        actor=users["command"], case=case, classification=Classification.ASYMPTOMATIC, risk_factors=["underlying_condition"], at=at(1)
    )
    t = board_transfer(case)
    assert t.triage_kind == FacilityKind.HOSPITAL and "triage.high_risk_conditions" in t.triage_rule
    with pytest.raises(DomainError) as exc:
        case_classify(actor=users["command"], case=case, classification=Classification.MILD, at=at(0.5))
    assert exc.value.rule == "time.order"
    with pytest.raises(DomainError):
        case_classify(actor=users["command"], case=case, classification="very_bad", at=at(2))


# ---- discharge and monitoring ----


def test_discharge_without_qualifying_tests_is_refused_naming_the_rule(wards, users):
    case = open_case(users["command"], wards.people[0], Classification.MILD)
    admit(case, wards, users)
    with pytest.raises(DomainError) as exc:
        case_discharge(actor=wards.fangcang_user, case=case, at=at(30))
    assert exc.value.rule == "discharge.ct_threshold" and "第九版" in exc.value.source
    case_test_record(actor=wards.fangcang_user, case=case, ct_orf1ab=36, ct_n=37, sampled_at=at(24))
    case_test_record(actor=wards.fangcang_user, case=case, result="negative", sampled_at=at(36))  # only 12 h later
    with pytest.raises(DomainError) as exc:
        case_discharge(actor=wards.fangcang_user, case=case, at=at(40))
    assert exc.value.rule == "discharge.tests_required" and "1/2" in exc.value.message
    case.refresh_from_db()
    assert case.status == CaseStatus.ADMITTED and beds(wards.fangcang) == (1, 3) and not Discharge.objects.exists()
    case_test_record(actor=wards.fangcang_user, case=case, result="negative", sampled_at=at(48))
    case_discharge(actor=wards.fangcang_user, case=case, at=at(50))
    assert beds(wards.fangcang) == (0, 3)


def test_a_moderate_case_needs_the_clinical_conditions(wards, users):
    case = open_case(users["command"], wards.people[0], Classification.MODERATE)
    admit(case, wards, users)
    negative_tests(case, wards.hospital_user, first_hours=24)
    with pytest.raises(DomainError) as exc:
        case_discharge(actor=wards.hospital_user, case=case, clinical=[ClinicalCriterion.AFEBRILE_3_DAYS], at=at(50))
    assert exc.value.rule == "discharge.clinical_criteria:respiratory_improved" and "诊疗方案" in exc.value.source
    d = case_discharge(actor=wards.hospital_user, case=case, clinical=ClinicalCriterion.values, at=at(50))
    assert sorted(d.clinical_affirmed) == sorted(ClinicalCriterion.values)


def test_a_test_result_must_agree_with_its_ct_values(wards, users):
    case = open_case(users["command"], wards.people[0])
    with pytest.raises(DomainError) as exc:
        case_test_record(actor=users["command"], case=case, result="negative", ct_orf1ab=20, sampled_at=at(1))
    assert exc.value.rule == "testing.positive_ct_threshold"
    with pytest.raises(DomainError):
        case_test_record(actor=users["command"], case=case, ct_n=77, sampled_at=at(1))
    test = case_test_record(actor=users["command"], case=case, ct_n=30, sampled_at=at(1))
    assert test.result == "positive" and "testing.positive_ct_threshold" in test.decided_by
    with pytest.raises(DomainError) as exc:
        case_test_record(actor=users["command"], case=case, result="negative", sampled_at=at(-3))
    assert exc.value.rule == "time.order"


def _discharged(wards, users, person=None):
    case = open_case(users["command"], person or wards.people[0], Classification.MILD)
    admit(case, wards, users)
    negative_tests(case, wards.fangcang_user, first_hours=24)
    return case, case_discharge(actor=wards.fangcang_user, case=case, at=at(50)).monitoring


def test_a_positive_during_monitoring_reopens_care(wards, users):
    case, monitoring = _discharged(wards, users)
    outcome = monitoring_record_test(actor=users["community"], monitoring=monitoring, ct_orf1ab=30, ct_n=31, sampled_at=at(70))
    assert outcome.reopened is not None and outcome.reopened.reason == TransferReason.REOPENED
    monitoring.refresh_from_db()
    case.refresh_from_db()
    assert monitoring.status == MonitoringStatus.REOPENED and case.status == CaseStatus.OPEN
    assert outcome.reopened.deadline_at == dt.datetime(2022, 11, 18, 0, 0, tzinfo=tf.BEIJING)
    assert AuditEvent.objects.filter(event_type=events.CARE_REOPENED, object_id=str(case.pk)).exists()
    # the old negative tests no longer count for the next discharge
    admit(case, wards, users, hours=72)
    with pytest.raises(DomainError):
        case_discharge(actor=wards.fangcang_user, case=case, at=at(80))


def test_care_reopened_by_hand_and_the_queue_reopens_too(wards, users, positives):
    case, monitoring = _discharged(wards, users, person=wards.people[1])
    with pytest.raises(DomainError) as exc:
        care_reopen(actor=users["community"], case=case, reason="  ", at=at(60))
    assert exc.value.field == "reason"
    care_reopen(actor=users["community"], case=case, reason="发热 38.5℃", at=at(60))
    assert Transfer.objects.filter(case=case, status=TransferStatus.AWAITING).count() == 1
    with pytest.raises(DomainError):
        care_reopen(actor=users["community"], case=case, reason="again", at=at(61))


def test_a_screening_positive_during_monitoring_reopens_care(wards, users, positives):
    # 王秀英 (people[0]) was discharged before round 8's positive is consumed
    case = open_case(users["command"], wards.people[0], Classification.MILD, confirmed_at=tf.at(-200))
    t = transfer_dispatch(actor=users["command"], transfer=board_transfer(case), vehicle="车", at=tf.at(-199))
    t = transfer_pick_up(actor=users["command"], transfer=t, at=tf.at(-198))
    transfer_admit(actor=wards.fangcang_user, transfer=t, at=tf.at(-197))
    for h in (-150, -120):
        case_test_record(actor=wards.fangcang_user, case=case, result="negative", sampled_at=tf.at(h))
    case_discharge(actor=wards.fangcang_user, case=case, at=tf.at(-100))
    report = cases_open_from_queue(actor=None, at=tf.at(9.2))
    assert (report.opened, report.attached, report.reopened) == (1, 1, 1)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert CaseTest.objects.get(case=case, positive__isnull=False).phase == CarePhase.MONITORING
    assert HealthMonitoring.objects.get(case=case).status == MonitoringStatus.REOPENED


def test_withdrawing_an_admitted_case_frees_its_bed(wards, users):
    case = open_case(users["command"], wards.people[0])
    admit(case, wards, users)
    with pytest.raises(DomainError) as exc:
        case_withdraw(actor=users["command"], case=case, reason="", at=at(5))
    assert exc.value.field == "reason"
    case_withdraw(actor=users["command"], case=case, reason="复核为假阳性", at=at(5))
    assert beds(wards.fangcang) == (0, 3)
    with pytest.raises(DomainError) as exc:
        case_withdraw(actor=users["command"], case=case, reason="again", at=at(6))
    assert exc.value.rule == "cases.case_transitions"


# ---- facilities ----


def test_facilities_are_set_by_the_command_and_beds_by_their_own_staff(wards, users, city):
    with pytest.raises(PermissionRefused):
        facility_create(actor=users["district"], kind="fangcang", name="新方舱", district=city.home.district)
    f = facility_create(actor=users["command"], kind="fangcang", name="新方舱", district=city.home.district, beds={"general": 1000})
    assert AuditEvent.objects.filter(event_type=events.FACILITY_SAVED, object_id=str(f.pk)).exists()
    facility_beds_set(actor=wards.hospital_user, facility=wards.hospital, bed_type="icu", capacity=5)
    assert beds(wards.hospital, "icu") == (0, 5)
    with pytest.raises(PermissionRefused):
        facility_beds_set(actor=wards.hospital_user, facility=wards.fangcang, bed_type="general", capacity=5)
    case = open_case(users["command"], wards.people[0])
    admit(case, wards, users, facility=wards.fangcang)
    with pytest.raises(DomainError) as exc:
        facility_beds_set(actor=wards.fangcang_user, facility=wards.fangcang, bed_type="general", capacity=0)
    assert exc.value.rule == "cases.bed_capacity"
    with pytest.raises(DomainError) as exc:
        facility_beds_set(actor=wards.fangcang_user, facility=wards.fangcang, bed_type="general", capacity=3, occupied=2)
    assert exc.value.field == "reason"
    facility_beds_set(
        actor=wards.fangcang_user, facility=wards.fangcang, bed_type="general", capacity=3, occupied=2, reason="上线前已收治 1 人"
    )
    assert beds(wards.fangcang) == (2, 3)


# ---- from 快隔 ----


def test_a_positive_in_central_isolation_is_a_case_found_at_the_isolation_site(wards, users, city):
    """Where it was found follows the person's state when the sample was taken (the isolation app
    reports it): in a room of the site → the site; not yet checked in → the open community."""
    from fangkong.cases.services import case_open_from_isolation
    from tests.isolation.factories import make_site, open_and_check_in, room

    site = make_site(users["command"], city.home.community, name="如家隔离点")
    open_and_check_in(users["command"], wards.people[0], room(site, "301"), identified_at=at(-30), checked_in_at=at(-20))
    case = case_open_from_isolation(person=wards.people[0], positive_at=at(3), sampled_at=at(-4), reference="隔离记录 #7 第 2 天")
    assert case.source == CaseSource.ISOLATION and case.found_in == FoundIn.ISOLATION_SITE and "如家隔离点" in case.found_in_basis
    assert board_transfer(case).deadline_at == dt.datetime(2022, 11, 15, 0, 0, tzinfo=tf.BEIJING)
    assert AuditEvent.objects.get(event_type=events.OPENED, object_id=str(case.pk)).actor_name == "system"
    early = case_open_from_isolation(person=wards.people[1], positive_at=at(3), sampled_at=at(-4), reference="#8")
    assert early.found_in == FoundIn.COMMUNITY
    # someone already under care: a test of their case, no second case
    again = case_open_from_isolation(person=wards.people[0], positive_at=at(5), reference="#7")
    assert again.pk == case.pk and CaseTest.objects.get(case=case).result == "positive"
    assert Case.objects.count() == 2
