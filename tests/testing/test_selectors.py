"""Selectors: coverage at every level, the door-knocking list, deadlines, progress, the press report; scoping."""

from __future__ import annotations

import pytest
from django.http import Http404

from fangkong.testing.choices import PoolingMode
from fangkong.testing.models import Tube
from fangkong.testing.selectors import (
    door_knocking_list,
    overdue_by,
    person_result_rows,
    person_status,
    positive_queue,
    press_report,
    resampling_task_list,
    round_coverage,
    round_progress,
    tube_list,
)
from fangkong.testing.services import Binding, MemberCheck, bulk_bind, household_check_record, tube_receive

from .factories import at, upload


@pytest.fixture
def sampled(setup, users, city):
    """Eight of the ten home-grid residents in a 10-in-1 tube (resulted negative), the other grid's
    resident in a single tube (positive), nobody from 回民区."""
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode=PoolingMode.POOLED_10,
        bindings=[Binding("P1", person_id=p.pk) for p in setup.ten[2:]], at=at(1),
    )  # fmt: skip
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding("S1", person_id=setup.other_grid[0].pk)], at=at(2),
    )  # fmt: skip
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P1", "S1"], at=at(3))
    upload(setup.lab_user, setup.round, setup.lab, [("S1", "阳性", 30, 31, "2022-02-25 16:00")], at(9))
    return setup


def test_coverage_at_every_level(sampled, users, city):
    r, command = sampled.round, users["command"]
    total, districts = round_coverage(user=command, testing_round=r)
    assert (total.residents, total.sampled, total.results_back, total.positive, total.missing) == (12, 9, 1, 1, 3)
    by_name = {d.name: d for d in districts}
    assert by_name["新城区"].residents == 11 and by_name["新城区"].sampled == 9
    assert by_name["回民区"].missing == 1

    _, streets = round_coverage(user=command, testing_round=r, level="district", place_id=city.home.district.pk)
    assert [(s.name, s.residents, s.sampled) for s in streets] == [("中山东路街道", 11, 9)]
    _, communities = round_coverage(user=command, testing_round=r, level="street", place_id=city.home.street.pk)
    assert [(c.name, c.sampled, c.positive) for c in communities] == [("迎宾南路社区", 9, 1)]
    _, grids = round_coverage(user=command, testing_round=r, level="community", place_id=city.home.community.pk)
    assert {g.name: (g.residents, g.sampled, g.missing, g.positive) for g in grids} == {"第一网格": (10, 8, 2, 0), "第二网格": (1, 1, 0, 1)}
    _, buildings = round_coverage(user=command, testing_round=r, level="grid", place_id=city.home.grid.pk)
    assert [(b.name, b.residents, b.sampled) for b in buildings] == [("1号楼", 10, 8)]
    _, units = round_coverage(user=command, testing_round=r, level="building", place_id=city.home.building.pk)
    assert [(u.name, u.residents, u.sampled) for u in units] == [("1单元", 10, 8)]
    _, households = round_coverage(user=command, testing_round=r, level="unit", place_id=city.home.unit.pk)
    assert {h.name: (h.residents, h.sampled, h.missing) for h in households} == {"101": (2, 0, 2), "102": (8, 8, 0)}
    household, _ = round_coverage(user=command, testing_round=r, level="household", place_id=city.home.household.pk)
    assert (household.residents, household.sampled) == (2, 0)
    _, every_grid = round_coverage(user=command, testing_round=r, group_by="grid")
    assert len(every_grid) == 3
    # A place's own figures (the sums of its parts) agree with the level above's row for it.
    district, _ = round_coverage(user=command, testing_round=r, level="district", place_id=city.home.district.pk)
    assert (district.residents, district.sampled, district.results_back, district.positive) == (11, 9, 1, 1)
    building, _ = round_coverage(user=command, testing_round=r, level="building", place_id=city.home.building.pk)
    assert (building.residents, building.sampled, building.missing) == (10, 8, 2)


def test_coverage_is_limited_to_the_users_jurisdiction(sampled, users):
    total, _ = round_coverage(user=users["grid"], testing_round=sampled.round)
    assert (total.residents, total.sampled, total.positive) == (10, 8, 0)
    nothing, rows = round_coverage(user=users["nogrant"], testing_round=sampled.round)
    assert (nothing.residents, nothing.sampled, rows) == (0, 0, [])


def test_door_knocking_lists_households_with_someone_not_sampled(sampled, users, city):
    household_check_record(
        actor=users["grid"], testing_round=sampled.round, household=city.home.household,
        members=[MemberCheck(sampled.ten[0].pk, "away", whereabouts="北京")], at=at(5),
    )  # fmt: skip
    items = door_knocking_list(user=users["grid"], testing_round=sampled.round, grid_id=city.home.grid.pk)
    assert [(i.household_id, i.residents, i.sampled, i.sticker) for i in items] == [(city.home.household.pk, 2, 0, "posted")]
    missing = {m.name: (m.outcome, m.whereabouts) for m in items[0].missing}
    assert missing == {"王秀英": ("away", "北京"), "李建国": ("", "")}
    assert all("*" in m.id_masked for m in items[0].missing)
    total, _ = round_coverage(user=users["grid"], testing_round=sampled.round)
    assert total.explained == 1


def test_a_grid_worker_sees_only_their_grid(sampled, users, city):
    with pytest.raises(Http404):
        door_knocking_list(user=users["grid"], testing_round=sampled.round, grid_id=city.neighbour.grid.pk)
    upload(sampled.lab_user, sampled.round, sampled.lab, [("P1", "阳性", 29, None, "2022-02-25 16:30")], at(10))
    assert resampling_task_list(user=users["grid"], testing_round=sampled.round).count() == 8
    assert resampling_task_list(user=users["community"], testing_round=sampled.round).count() == 8
    assert resampling_task_list(user=users["nogrant"], testing_round=sampled.round).count() == 0
    other_grid_worker_tasks = resampling_task_list(user=users["grid"], grid=city.neighbour.grid)
    assert other_grid_worker_tasks.count() == 0


def test_a_lab_sees_only_the_tubes_sent_to_it(sampled, users):
    from .factories import make_lab, make_lab_user

    bulk_bind(
        actor=users["community"], testing_round=sampled.round, sampling_point=sampled.point, pooling_mode="single",
        bindings=[Binding("S2", person_id=sampled.ten[0].pk)], at=at(2),
    )  # fmt: skip
    assert set(tube_list(user=sampled.lab_user, testing_round=sampled.round).values_list("barcode", flat=True)) == {"P1", "S1"}
    stranger = make_lab_user("lab2", make_lab("迪安检验", "DA01"))
    assert not tube_list(user=stranger, testing_round=sampled.round).exists()
    assert tube_list(user=users["community"], testing_round=sampled.round).count() == 3


def test_positive_queue_and_person_status(sampled, users):
    queue = positive_queue(user=users["command"], testing_round=sampled.round)
    assert [p.person_id for p in queue] == [sampled.other_grid[0].pk]
    assert not positive_queue(user=users["grid"]).exists()
    assert person_status(testing_round=sampled.round, person=sampled.other_grid[0]) == "positive"
    assert person_status(testing_round=sampled.round, person=sampled.ten[5]) == "awaiting"
    assert person_status(testing_round=sampled.round, person=sampled.ten[0]) == "not_sampled"
    assert len(list(person_result_rows(testing_round=sampled.round))) == 9


def test_person_results_split_into_parts_are_disjoint_and_cover_the_round(sampled):
    whole = sorted(person_result_rows(testing_round=sampled.round))
    parts = [list(person_result_rows(testing_round=sampled.round, part=(k, 3))) for k in range(3)]
    assert sorted(row for part in parts for row in part) == whole
    tubes = [{tube_id for _p, tube_id, *_rest in part} for part in parts]
    assert sum(len(t) for t in tubes) == len(set().union(*tubes)) > 1  # each tube's members in one part
    assert sum(1 for t in tubes if t) > 1  # and the round is really split
    with pytest.raises(ValueError):
        list(person_result_rows(testing_round=sampled.round, part=(3, 3)))


def test_overdue_tubes_by_lab_and_sampling_point(sampled, users):
    late = at(40)
    by_lab = overdue_by(user=users["command"], testing_round=sampled.round, by="laboratory", now=late)
    assert [(g.name, g.overdue_tubes, g.overdue_samples) for g in by_lab] == [("金域检验", 1, 8)]
    by_point = overdue_by(user=users["command"], testing_round=sampled.round, by="sampling_point", now=late)
    assert [(g.name, g.overdue_tubes) for g in by_point] == [("迎宾小区采样点", 1)]
    assert overdue_by(user=users["command"], testing_round=sampled.round, by="laboratory", now=at(3)) == []


def test_round_progress_is_cumulative_by_hour(sampled, users):
    points = round_progress(user=users["command"], testing_round=sampled.round)
    assert [(p.sampled, p.resulted) for p in points] == [(8, 0), (9, 0), (9, 1)]


def test_press_conference_text(sampled, users, city):
    upload(sampled.lab_user, sampled.round, sampled.lab, [("P1", "阴性", None, None, "2022-02-25 16:30")], at(10))
    report = press_report(user=users["command"], testing_round=sampled.round)
    assert report.zh == "第8轮核酸检测共采集样本9人份，全部已出结果，共检出阳性1例（新城区1例），其中隔离管控区域0例、社会面1例。"
    assert "Round 8" in report.en and "1 positive" in report.en
    assert Tube.objects.filter(result="negative").count() == 1


def test_a_bedridden_resident_sampled_at_home_counts_as_sampled(sampled, users, city):
    from fangkong.testing.models import ResamplingTask
    from fangkong.testing.services import resampling_collect

    bedridden, away = sampled.ten[0], sampled.ten[1]
    household_check_record(
        actor=users["grid"], testing_round=sampled.round, household=city.home.household,
        members=[MemberCheck(bedridden.pk, "bedridden"), MemberCheck(away.pk, "away", whereabouts="包头")], at=at(5),
    )  # fmt: skip
    before, _ = round_coverage(user=users["grid"], testing_round=sampled.round)
    assert (before.sampled, before.explained, before.missing) == (8, 2, 2)

    task = ResamplingTask.objects.get(person=bedridden)
    resampling_collect(actor=users["grid"], task=task, barcode="H1", at=at(6))
    after, _ = round_coverage(user=users["grid"], testing_round=sampled.round)
    assert (after.sampled, after.results_back, after.explained, after.missing) == (9, 0, 1, 1)
    items = door_knocking_list(user=users["grid"], testing_round=sampled.round, grid_id=city.home.grid.pk)
    assert [m.name for m in items[0].missing] == [away.name]

    tube_receive(actor=sampled.lab_user, testing_round=sampled.round, laboratory=sampled.lab, barcodes=["H1"], at=at(7))
    upload(sampled.lab_user, sampled.round, sampled.lab, [("H1", "阴性", None, None, "2022-02-25 18:00")], at(10))
    done, grids = round_coverage(user=users["grid"], testing_round=sampled.round, level="community", place_id=city.home.community.pk)
    assert (done.sampled, done.results_back) == (9, 1)
    assert {g.name: g.sampled for g in grids} == {"第一网格": 9}
