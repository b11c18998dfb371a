"""一人一档 for 快转: the state line of a case in hospital and in home health monitoring (with the day
of the monitoring period), the case's tests under 核酸检测 (cases.view), the case section's entries."""

from __future__ import annotations

import datetime as dt

from fangkong.cases.choices import Classification
from fangkong.geo.person_record import current_state, person_record

from ..testing import factories as tf
from .factories import at, open_case
from .test_services import admit, negative_tests


def test_in_hospital_then_in_home_health_monitoring(wards, users):
    person = wards.people[0]
    case = open_case(users["command"], person, Classification.MILD)
    assert current_state(users["command"], person, at=at(1)).heading.text == "待转运"
    transfer = admit(case, wards, users)
    place = transfer.assigned_facility.name
    assert current_state(users["command"], person, at=at(4)).heading.text == f"住院 · {place}"
    negative_tests(case, wards.fangcang_user, first_hours=24)
    from fangkong.cases.services import case_discharge

    case_discharge(actor=wards.fangcang_user, case=case, at=at(50))  # 11-16 10:00; 7 days from that day
    state = current_state(users["command"], person, at=dt.datetime(2022, 11, 18, 9, 0, tzinfo=tf.BEIJING))
    assert state.heading.text == "居家健康监测 · 第 3 天"
    rec = person_record(users["command"], person, at=at(60))
    kinds = [r.entry.kind for r in rec.entries if r.section.key == "cases"]
    assert {"case_opened", "dispatched", "picked_up", "admitted", "discharged", "monitoring_started"} <= set(kinds)
    tests = [r.entry for r in rec.entries if r.section.key == "tests"]
    assert len(tests) == 2 and all(t.detail.startswith("阴性") for t in tests)
    # Without cases.view: neither the case, nor its tests, nor the state.
    rec = person_record(users["grid"], person, at=at(60))
    assert rec.entries == [] and rec.state.heading.text == "在您可查看的范围内无管控"
