"""The lifting clock reads the real person test history: a testing round's single tubes, sampled on
day 5 and resulted by the laboratory, complete the 20 measures' day-5 screening."""

from __future__ import annotations

from fangkong.testing.services import AreaSpec, Binding, bulk_bind, round_plan
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.lifting import lifting_status
from fangkong.zoning.services import area_approve, area_propose

from ..testing import factories as tf
from .conftest import day


def test_a_rounds_results_complete_the_screening(twenty, users, block, at):
    at(day(0))
    area = area_propose(
        actor=users["district"], name="3号楼", area_class=AreaClass.SEALED, places=[("building", block.tree.building.pk)], reason="阳性"
    )
    area = area_approve(actor=users["command"], area=area)
    at(day(5, 6))
    rnd = round_plan(actor=users["command"], number=9, areas=[AreaSpec("community", block.tree.community.pk)], starts_at=day(5, 6))
    point = tf.make_point(block.tree.community)
    at(day(5, 8))
    bulk_bind(
        actor=users["command"],
        testing_round=rnd,
        bindings=[Binding(f"T{p.pk:08d}", person_id=p.pk, sampled_at=day(5, 7)) for p in block.residents],
        sampling_point=point,
        pooling_mode="single",
    )
    s = lifting_status(area)
    assert sorted(s.awaited) == sorted(p.pk for p in block.residents) and "3 人未出结果" in s.summary
    lab = tf.make_lab()
    rows = [(f"T{p.pk:08d}", "阴性", "", "", "2022-11-15 11:00") for p in block.residents]
    tf.upload(tf.make_lab_user("lab1", lab), rnd, lab, rows, day(5, 11))
    at(day(5, 12))
    assert lifting_status(area).due
