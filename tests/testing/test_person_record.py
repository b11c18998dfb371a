"""一人一档 for 快检: a pool positive puts the person under in-place control with a home re-sampling task;
the record shows the pooled positive (not the person's own), the control, the task, the re-test and
the control lifted; the state line says 就地管控 until then."""

from __future__ import annotations

from fangkong.geo.person_record import current_state, person_record
from fangkong.testing.models import ResamplingTask
from fangkong.testing.services import resampling_collect, tube_receive

from .factories import at, upload
from .test_services import fill_pool


def test_a_pool_positive_control_and_retest_on_the_persons_record(setup, users):
    person = setup.ten[0]
    fill_pool(setup, users["community"])
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P0001"], at=at(3))
    upload(setup.lab_user, setup.round, setup.lab, [("P0001", "阳性", 28.5, None, "2022-02-25 15:00")], at(8))
    assert current_state(users["grid"], person, at=at(8.5)).heading.text == "就地管控"
    task = ResamplingTask.objects.get(person=person)
    resampling_collect(actor=users["grid"], task=task, barcode="R1", at=at(9))
    upload(setup.lab_user, setup.round, setup.lab, [("R1", "阴性", None, None, "2022-02-25 20:00")], at(12))
    rec = person_record(users["grid"], person, at=at(13))
    assert [(r.section.key, r.entry.kind) for r in reversed(rec.entries)] == [
        ("tests", "test"),  # the pool, sampled at 09:00
        ("controls", "resampling_task"),  # opened by the pool's result (15:00)
        ("controls", "control_started"),  # from the upload (16:00)
        ("tests", "test"),  # the re-test at home
        ("controls", "resampling_done"),
        ("controls", "control_lifted"),
    ]
    pool, retest = [r.entry for r in reversed(rec.entries) if r.entry.kind == "test"]
    assert pool.detail.startswith("混管阳性，须单采复核") and pool.tone == "warning"
    assert "上门单采复检" in retest.label and retest.detail.startswith("阴性")
    assert current_state(users["command"], person, at=at(13)).heading.text == "无管控"
    assert current_state(users["grid"], person, at=at(13)).heading.text == "在您可查看的范围内无管控"  # cases withheld
