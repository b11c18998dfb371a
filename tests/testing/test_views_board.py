"""The deadline board (stages against the 24-hour rule, overdue tubes by lab and sampling point and
their list, the progress chart), the press-conference report, and its audited Excel export."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.testing.choices import PoolingMode
from fangkong.testing.services import Binding, bulk_bind, tube_receive

from .factories import at, make_lab, make_lab_user, upload


@pytest.fixture
def sampled(setup, users):
    """P1: eight home-grid residents in a 10-in-1 tube, received at 11:00, no result (overdue);
    S1: the other grid's resident, single, positive at 17:00; S2: 王秀英, single, never received."""
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode=PoolingMode.POOLED_10,
        bindings=[Binding("P1", person_id=p.pk) for p in setup.ten[2:]], at=at(1),
    )  # fmt: skip
    bulk_bind(
        actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode="single",
        bindings=[Binding("S1", person_id=setup.other_grid[0].pk), Binding("S2", person_id=setup.ten[0].pk)], at=at(2),
    )  # fmt: skip
    tube_receive(actor=setup.lab_user, testing_round=setup.round, laboratory=setup.lab, barcodes=["P1", "S1"], at=at(3))
    upload(setup.lab_user, setup.round, setup.lab, [("S1", "阳性", 30, 31, "2022-02-25 17:00")], at(9))
    return setup


def board_url(s):
    return reverse("testing:deadline_board", args=[s.round.pk])


def overdue_url(s):
    return reverse("testing:overdue_tubes", args=[s.round.pk])


def as_user(client, user):
    client.force_login(user)
    return client


def test_the_board_shows_each_stage_and_the_overdue_tubes(client, sampled, users):
    response = as_user(client, users["command"]).get(board_url(sampled))
    assert response.status_code == 200
    stages = {s.status: (s.tubes, s.samples, s.overdue) for s in response.context["stages"].stages}
    assert stages == {"open": (0, 0, 0), "closed": (1, 1, 1), "received": (1, 8, 1), "resulted": (1, 1, 0)}
    assert (response.context["stages"].tubes, response.context["stages"].overdue) == (3, 2)
    by_lab = sorted((g.name, g.overdue_tubes, g.overdue_samples) for g in response.context["by_lab"])
    assert by_lab == [("金域检验", 1, 8), ("（未送检）", 1, 1)]
    assert [(g.name, g.overdue_tubes) for g in response.context["by_point"]] == [("迎宾小区采样点", 2)]
    html = response.content.decode()
    # the rule, cited from the active policy
    assert "testing.result_deadline_hours = 24" in html
    assert response.context["rule"].hours == 24
    # links to the filtered lists
    assert f"{overdue_url(sampled)}?laboratory={sampled.lab.pk}" in html
    assert f"{overdue_url(sampled)}?laboratory=none" in html
    assert f"{overdue_url(sampled)}?sampling_point={sampled.point.pk}" in html


def test_the_progress_chart_is_cumulative_by_hour(client, sampled, users):
    response = as_user(client, users["command"]).get(board_url(sampled))
    chart = response.context["chart"]
    assert chart["hours"] == ["02-25 09:00", "02-25 10:00", "02-25 17:00"]
    assert (chart["sampled"], chart["resulted"]) == ([8, 10, 10], [0, 0, 1])
    html = response.content.decode()
    assert 'id="progress-chart-data"' in html and "vendor/echarts/echarts.min.js" in html
    data = json.loads(html.split('id="progress-chart-data" type="application/json">')[1].split("</script>")[0])
    assert data["sampled"] == [8, 10, 10] and data["labels"]["sampled"] == "累计采样（人份）"


def test_the_overdue_list_by_lab_and_sampling_point(client, sampled, users):
    c = as_user(client, users["command"])
    every = c.get(overdue_url(sampled))
    assert [t.barcode for t in every.context["page_obj"]] == ["P1", "S2"]  # the longest overdue first
    by_lab = c.get(overdue_url(sampled), {"laboratory": sampled.lab.pk})
    assert [t.barcode for t in by_lab.context["page_obj"]] == ["P1"]
    assert by_lab.context["only"].label == "金域检验"
    html = by_lab.content.decode()
    assert "迎宾小区采样点" in html and "02-25 09:00" in html and "02-26 09:00" in html  # sampled, deadline (24 h)
    not_received = c.get(overdue_url(sampled), {"laboratory": "none"})
    assert [t.barcode for t in not_received.context["page_obj"]] == ["S2"]
    by_point = c.get(overdue_url(sampled), {"sampling_point": sampled.point.pk})
    assert [t.barcode for t in by_point.context["page_obj"]] == ["P1", "S2"]
    assert not list(c.get(overdue_url(sampled), {"laboratory": 99999}).context["page_obj"])
    assert [t.barcode for t in c.get(overdue_url(sampled), {"laboratory": "x"}).context["page_obj"]] == ["P1", "S2"]
    fragment = c.get(overdue_url(sampled), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<div id="tubes">')


def test_a_lab_sees_its_own_tubes_only(client, sampled, users):
    response = as_user(client, sampled.lab_user).get(board_url(sampled))
    assert response.status_code == 200
    assert response.context["stages"].tubes == 2  # P1, S1: what it received
    stranger = make_lab_user("lab2", make_lab("迪安检验", "DA01"))
    response = as_user(client, stranger).get(board_url(sampled))
    assert (response.context["stages"].tubes, response.context["by_lab"]) == (0, [])
    assert not list(as_user(client, stranger).get(overdue_url(sampled)).context["page_obj"])


def test_pages_are_closed_to_users_without_a_jurisdiction(client, sampled, users):
    urls = [
        board_url(sampled),
        overdue_url(sampled),
        reverse("testing:press_report", args=[sampled.round.pk]),
        reverse("testing:press_report_xlsx", args=[sampled.round.pk]),
    ]
    for url in urls:
        assert as_user(client, users["nogrant"]).get(url).status_code == 404
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert not AuditEvent.objects.filter(event_type=EventType.EXPORT).exists()


def test_press_report_text_and_table(client, sampled, users):
    upload(sampled.lab_user, sampled.round, sampled.lab, [("P1", "阴性", None, None, "2022-02-25 18:00")], at(11))
    response = as_user(client, users["command"]).get(reverse("testing:press_report", args=[sampled.round.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "第8轮核酸检测共采集样本10人份，已出结果9人份，共检出阳性1例（新城区1例），其中隔离管控区域0例、社会面1例。" in html
    assert "Round 8 of mass testing collected 10 samples" in html
    assert [(r.name, r.sampled, r.resulted, r.positives, r.in_control, r.in_community) for r in response.context["rows"]] == [
        ("新城区", 10, 9, 1, 0, 1)
    ]
    assert 'data-copy="#press-zh"' in html
    # a grid worker's report counts their grid only
    grid = as_user(client, users["grid"]).get(reverse("testing:press_report", args=[sampled.round.pk]))
    assert grid.context["report"].zh == "第8轮核酸检测共采集样本9人份，已出结果8人份，未检出阳性。"


def test_press_report_xlsx_export_is_audited_and_holds_no_personal_data(client, sampled, users):
    response = as_user(client, users["command"]).get(reverse("testing:press_report_xlsx", args=[sampled.round.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["通报", "分区县统计"]
    text = {row[0]: row[1] for row in wb["通报"].iter_rows(min_row=2, values_only=True)}
    assert text["中文"].startswith("第8轮核酸检测共采集样本10人份，已出结果1人份，共检出阳性1例（新城区1例）")
    assert text["English"].startswith("Round 8 of mass testing collected 10 samples")
    rows = list(wb["分区县统计"].iter_rows(values_only=True))
    assert rows[0] == ("区县代码", "区县", "采样人份", "已出结果人份", "阳性", "其中隔离管控区域", "其中社会面")
    assert rows[1:] == [("150102", "新城区", 10, 1, 1, 0, 1), (None, "合计", 10, 1, 1, 0, 1)]
    cells = " ".join(str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    for person in [*sampled.ten, *sampled.other_grid]:
        assert person.name not in cells and person.id_masked not in cells

    event = AuditEvent.objects.get(event_type=EventType.EXPORT)
    assert (event.actor, event.object_type, event.object_id) == (users["command"], "testing.testinground", str(sampled.round.pk))
    assert event.count == 1
    assert event.after == {
        "report": "testing.press_report",
        "format": "xlsx",
        "round": 8,
        "districts": 1,
        "sampled": 10,
        "resulted": 1,
        "positives": 1,
        "in_control": 0,
        "in_community": 1,
    }
