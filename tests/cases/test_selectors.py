"""Selectors: the transfer board, bed occupancy, the day's figures, a person's timeline."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.cases.choices import Classification, TransferStatus
from fangkong.cases.selectors import day_figures, facility_occupancy, transfer_board
from fangkong.cases.services import (
    case_classify,
    case_discharge,
    case_test_record,
    case_withdraw,
    cases_open_from_queue,
    transfer_admit,
    transfer_dispatch,
    transfer_pick_up,
)
from fangkong.testing.models import PersonControl

from ..factories import make_person
from ..testing import factories as tf
from .factories import at, board_transfer, open_case
from .test_services import admit, positives  # noqa: F401  (a fixture)

# ---- the board ----


def test_the_board_puts_overdue_first_and_spreads_its_suggestions(wards, users, city):
    extra = [make_person(city.home.household, f"新增{i}") for i in range(3)]
    late = open_case(users["command"], wards.people[0], Classification.MILD, confirmed_at=at(-20))  # yesterday: overdue
    today = [open_case(users["command"], p, Classification.MILD, confirmed_at=at(1 + i)) for i, p in enumerate(wards.people[1:4])]
    severe = open_case(users["command"], extra[0], Classification.SEVERE, confirmed_at=at(0.5))
    # one already on its way to the Fangcang takes one of its three beds
    transfer_dispatch(actor=users["command"], transfer=board_transfer(today[0]), vehicle="车1", at=at(2))
    board = transfer_board(user=users["command"], now=at(5))
    assert [i.case.pk for i in board] == [late.pk, severe.pk, *[c.pk for c in today]]
    assert board[0].overdue and board[0].remaining < dt.timedelta(0) and not board[1].overdue
    assert board[0].deadline_at == dt.datetime(2022, 11, 14, 0, 0, tzinfo=tf.BEIJING)
    by_case = {i.case.pk: i for i in board}
    assert by_case[today[0].pk].suggestion is None and by_case[today[0].pk].transfer.status == TransferStatus.DISPATCHED
    # Fangcang: 3 beds − 1 en route = 2 for the three mild cases still waiting, in deadline order
    fangcang = [by_case[c.pk].suggestion.facility for c in (late, today[1], today[2])]
    assert [f.name if f else None for f in fangcang] == ["会展中心方舱医院", "会展中心方舱医院", None]
    assert "没有空余" in by_case[today[2].pk].suggestion.note
    assert by_case[severe.pk].suggestion.facility.name == "内蒙古自治区第四医院" and by_case[severe.pk].suggestion.bed_type == "icu"
    assert [i.case.pk for i in transfer_board(user=users["command"], now=at(5), filters={"overdue": True})] == [late.pk]


def test_the_board_counts_refusals(wards, users):
    from fangkong.cases.services import transfer_refuse

    case = open_case(users["command"], wards.people[0])
    t = transfer_dispatch(actor=users["command"], transfer=board_transfer(case), vehicle="车1", at=at(1))
    transfer_refuse(actor=users["command"], transfer=t, reason="满员", at=at(2))
    (item,) = transfer_board(user=users["command"], now=at(3))
    assert item.refusals == 1 and item.transfer.status == TransferStatus.AWAITING


def test_facility_occupancy_with_patients_en_route(wards, users):
    admitted = open_case(users["command"], wards.people[0], Classification.MILD)
    admit(admitted, wards, users)
    coming = open_case(users["command"], wards.people[1], Classification.MILD)
    transfer_dispatch(actor=users["command"], transfer=board_transfer(coming), vehicle="车2", at=at(5))
    occupancy = facility_occupancy(user=users["district"])
    by_name = {o.facility.name: o for o in occupancy.facilities}
    f = by_name["会展中心方舱医院"]
    assert (f.capacity, f.occupied, f.en_route, f.free) == (3, 1, 1, 2) and f.beds[0].free_after_arrivals == 1
    h = by_name["内蒙古自治区第四医院"]
    assert [(b.bed_type, b.capacity) for b in h.beds] == [("general", 2), ("icu", 1)]
    assert occupancy.by_kind["fangcang"].occupied == 1 and occupancy.by_kind["hospital"].capacity == 3
    assert facility_occupancy(user=users["nogrant"]).facilities == []


# ---- the day's figures ----


@pytest.fixture
def day(wards, users):
    """2022-11-14 in 新城区 and 回民区 (see each case's comment)."""
    command = users["command"]
    p = wards.people
    # yesterday: asymptomatic, admitted, discharged today at 09:00 after two negatives 24 h apart
    old = open_case(command, p[3], Classification.ASYMPTOMATIC, confirmed_at=at(-30))
    admit(old, wards, users, hours=-29)
    for h in (-24, 0):
        case_test_record(actor=wards.fangcang_user, case=old, result="negative", sampled_at=at(h))
    case_discharge(actor=wards.fangcang_user, case=old, at=at(1))
    # today: mild in the open community, admitted 2 h after its result
    one = open_case(command, p[0], Classification.MILD, confirmed_at=at(1))
    admit(one, wards, users, hours=2)
    # today: asymptomatic found under in-place control, admitted 9 h after; reclassified mild at 14:00,
    # so a new confirmed case at the day's end (not a conversion)
    PersonControl.objects.create(person=p[1], reason="混管阳性", started_at=at(-3), district_id=p[1].district_id)
    two = open_case(command, p[1], Classification.ASYMPTOMATIC, confirmed_at=at(2))
    admit(two, wards, users, hours=10)
    case_classify(actor=command, case=two, classification=Classification.MILD, at=at(6))
    # today in 回民区: mild, still waiting
    open_case(command, wards.elsewhere, Classification.MILD, confirmed_at=at(4))
    # today: imported, and one withdrawn — neither counts as local
    open_case(command, p[2], Classification.MILD, confirmed_at=at(5), is_imported=True, source="external_notice", source_note="入境")
    gone = open_case(command, p[4], Classification.MILD, confirmed_at=at(5))
    case_withdraw(actor=command, case=gone, reason="结果更正", at=at(6))
    return wards


def test_day_figures_as_the_press_conference_gives_them(day, users):
    f = day_figures(date=dt.date(2022, 11, 14), user=users["command"])
    assert (f.new_confirmed, f.new_asymptomatic, f.converted, f.new_imported) == (3, 0, 0, 1)
    assert (f.found_under_control, f.found_community) == (1, 2)
    assert (f.discharged, f.cumulative_discharged) == (1, 1)
    assert (f.cumulative_confirmed, f.cumulative_asymptomatic) == (3, 1)
    assert (f.under_treatment_confirmed, f.under_treatment_asymptomatic) == (3, 0)
    a = f.admission
    assert (a.cohort, a.admitted, a.same_day) == (3, 2, 2)
    assert a.median_hours == pytest.approx(5.5) and a.p90_hours == pytest.approx(8.3) and a.same_day_share == pytest.approx(2 / 3)
    by = {d.name: d for d in f.by_district}
    assert [d.name for d in f.by_district] == ["新城区", "回民区"]
    home = by["新城区"]
    assert (home.new_confirmed, home.new_asymptomatic, home.discharged, home.under_treatment) == (2, 0, 1, 2)
    assert (by["新城区"].found_controlled, by["新城区"].found_community) == (1, 1)
    assert by["新城区"].admission.median_hours == pytest.approx(5.5) and by["新城区"].admission.same_day == 2
    assert (by["回民区"].new_confirmed, by["回民区"].under_treatment, by["回民区"].admission.cohort) == (1, 1, 1)
    assert by["回民区"].admission.same_day_share == 0 and by["回民区"].admission.median_hours is None
    text = f.zh
    assert text.startswith("11月14日0—24时，新增本土确诊病例3例、无症状感染者0例（新城区2例、回民区1例），其中隔离管控区域1例、社会面2例")
    assert "转为确诊" not in text
    assert "新增治愈出院1例" in text and "现有本土确诊病例3例、无症状感染者0例" in text and "当日转运收治2例（67%）" in text
    english = f.en  # the same paragraph for the English release
    assert english.startswith(
        "November 14, 0–24 h: 3 new local confirmed cases and 0 new asymptomatic infections (新城区 2, 回民区 1), "
        "of which 1 in isolation or controlled areas and 2 in the community. 1 discharged as cured."
    )
    assert "reclassified" not in english and "admitted the same day (67%)" in english


def test_day_figures_as_of_the_day_before(day, users):
    f = day_figures(date=dt.date(2022, 11, 13), user=users["command"])
    assert (f.new_confirmed, f.new_asymptomatic, f.discharged) == (0, 1, 0)
    assert (f.cumulative_confirmed, f.cumulative_asymptomatic, f.under_treatment_asymptomatic) == (0, 1, 1)
    assert f.admission.cohort == 1 and f.admission.same_day == 1


def test_day_figures_are_limited_to_the_users_jurisdiction(day, users):
    f = day_figures(date=dt.date(2022, 11, 14), user=users["district"])
    assert (f.new_confirmed, f.new_asymptomatic) == (2, 0) and [d.name for d in f.by_district] == ["新城区"]
    nothing = day_figures(date=dt.date(2022, 11, 14), user=users["nogrant"])
    assert (nothing.new_confirmed, nothing.cumulative_asymptomatic, nothing.admission.cohort) == (0, 0, 0)


def _new(date: dt.date, user) -> tuple[int, int, int]:
    f = day_figures(date=date, user=user)
    return f.new_confirmed, f.new_asymptomatic, f.converted


FEB25, FEB26, FEB27 = dt.date(2022, 2, 25), dt.date(2022, 2, 26), dt.date(2022, 2, 27)


def _queue_cases(wards) -> tuple:
    """The two positives of 2022-02-25 (15:00, 16:00) opened from the queue at 17:03, asymptomatic."""
    from fangkong.cases.models import Case

    cases_open_from_queue(actor=None, at=tf.at(9.05))
    return Case.objects.get(person=wards.people[0]), Case.objects.get(person=wards.elsewhere)


def test_a_queue_case_classified_mild_the_same_day_is_new_confirmed_not_a_conversion(positives, wards, users):  # noqa: F811
    mild, other = _queue_cases(wards)
    case_classify(actor=users["command"], case=mild, classification=Classification.MILD, at=tf.at(10))  # 18:00
    case_withdraw(actor=users["command"], case=other, reason="结果更正", at=tf.at(10))  # never counts
    assert _new(FEB25, users["command"]) == (1, 0, 0)
    assert _new(FEB26, users["command"]) == (0, 0, 0)
    f = day_figures(date=FEB25, user=users["command"])
    assert (f.cumulative_confirmed, f.cumulative_asymptomatic, f.found_community) == (1, 0, 1)
    assert [(d.name, d.new_confirmed, d.new_asymptomatic) for d in f.by_district] == [("新城区", 1, 0)]


def test_a_queue_case_classified_the_next_day_is_asymptomatic_then_a_conversion(positives, wards, users):  # noqa: F811
    later, stays = _queue_cases(wards)
    case_classify(actor=users["command"], case=later, classification=Classification.MILD, at=tf.at(26))  # 02-26 10:00
    # seen from the first day, even after the later reclassification: two asymptomatic infections
    assert _new(FEB25, users["command"]) == (0, 2, 0)
    f = day_figures(date=FEB25, user=users["command"])
    assert (f.cumulative_confirmed, f.cumulative_asymptomatic) == (0, 2)
    assert _new(FEB26, users["command"]) == (0, 0, 1)
    f = day_figures(date=FEB26, user=users["command"])
    assert (f.cumulative_confirmed, f.cumulative_asymptomatic) == (1, 1) and "无症状感染者转为确诊病例1例" in f.zh
    assert "; 1 asymptomatic infection reclassified as confirmed." in f.en
    # the case that stays asymptomatic is never converted; the converted one is not counted again
    case_classify(actor=users["command"], case=later, classification=Classification.MODERATE, at=tf.at(50))  # 02-27 10:00
    assert _new(FEB27, users["command"]) == (0, 0, 0)
    assert stays.classifications.count() == 1


def test_conversions_follow_beijing_midnight(wards, users):
    command = users["command"]
    # confirmed 23:30 Beijing (15:30 UTC), classified mild 00:30 the next day: asymptomatic, then a conversion
    late = open_case(command, wards.people[0], Classification.ASYMPTOMATIC, confirmed_at=at(15.5))
    case_classify(actor=command, case=late, classification=Classification.MILD, at=at(16.5))
    # confirmed 00:30 Beijing (the day before in UTC), classified mild 01:00: new confirmed that day
    early = open_case(command, wards.people[1], Classification.ASYMPTOMATIC, confirmed_at=at(-7.5))
    case_classify(actor=command, case=early, classification=Classification.MILD, at=at(-7))
    assert _new(dt.date(2022, 11, 13), command) == (0, 0, 0)
    assert _new(dt.date(2022, 11, 14), command) == (1, 1, 0)
    assert _new(dt.date(2022, 11, 15), command) == (0, 0, 1)


def test_a_same_day_round_trip_is_judged_at_the_days_end(wards, users):
    command = users["command"]
    case = open_case(command, wards.people[0], Classification.ASYMPTOMATIC, confirmed_at=at(-20))  # 11-13 12:00
    case_classify(actor=command, case=case, classification=Classification.MILD, at=at(1))
    case_classify(actor=command, case=case, classification=Classification.ASYMPTOMATIC, at=at(2), note="复核")
    assert _new(dt.date(2022, 11, 13), command) == (0, 1, 0)
    assert _new(dt.date(2022, 11, 14), command) == (0, 0, 0)  # asymptomatic again by the day's end
    case_classify(actor=command, case=case, classification=Classification.MILD, at=at(20))  # 11-15 04:00
    assert _new(dt.date(2022, 11, 15), command) == (0, 0, 1)


# ---- the timeline ----


def test_a_persons_timeline_from_result_to_monitoring(positives, wards, users):  # noqa: F811
    cases_open_from_queue(actor=None, at=tf.at(9.05))
    person = wards.people[0]
    from fangkong.cases.models import Case

    case = Case.objects.get(person=person)
    case_classify(actor=users["command"], case=case, classification=Classification.MILD, at=tf.at(9.5))
    t = transfer_dispatch(actor=users["district"], transfer=board_transfer(case), vehicle="蒙A·120", crew="李护士", at=tf.at(10))
    t = transfer_pick_up(actor=users["district"], transfer=t, at=tf.at(11))
    transfer_admit(actor=wards.fangcang_user, transfer=t, at=tf.at(12))
    for h in (30, 54):
        case_test_record(actor=wards.fangcang_user, case=case, result="negative", sampled_at=tf.at(h))
    case_discharge(actor=wards.fangcang_user, case=case, at=tf.at(60))
    from fangkong.cases.selectors import case_timeline

    steps = case_timeline(user=users["command"], person=person)
    kinds = [s.kind for s in steps]
    assert kinds == [
        "sampled",
        "result",
        "classified",  # the first classification is dated at confirmation (the result)
        "triage",
        "case_opened",
        "classified",
        "dispatched",
        "picked_up",
        "admitted",
        "test",
        "test",
        "discharged",
        "monitoring_started",
    ]
    by_kind = {s.kind: s for s in steps}
    assert by_kind["dispatched"].actor == "district" and "蒙A·120" in by_kind["dispatched"].detail
    assert by_kind["admitted"].actor == "fangcang" and "会展中心方舱医院" in by_kind["admitted"].detail
    assert by_kind["case_opened"].actor == "系统" and "社会面" in by_kind["case_opened"].detail
    assert "Ct" in by_kind["result"].detail and by_kind["triage"].basis.count("triage.") >= 1  # the rule, folded as 依据
    assert steps == sorted(steps, key=lambda s: (s.at, s.order))
