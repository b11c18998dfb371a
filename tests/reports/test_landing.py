"""The home page lands each role on its own work (issue 13, items 7 and 11): the panels its modules
contribute with today's rows, the facility named for facility users, no developer hint, and a menu
that starts with the role's work and leaves out what the role cannot use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.isolation.choices import EpisodeKind
from fangkong.isolation.services import release_order
from fangkong.testing.choices import CheckOutcome, PoolingMode
from fangkong.testing.services import Binding, MemberCheck, bulk_bind, household_check_record, tube_receive
from tests.cases.conftest import wards  # noqa: F401  (a fixture)
from tests.cases.pages import scene_fixture  # noqa: F401  (a fixture)

from ..factories import ensure_reference_data, make_person, make_tree, make_user
from ..isolation import factories as isof
from ..testing import factories as tf

DEV_HINTS = ("dev.py", "python3", "manage.py")


@pytest.fixture
def work(city, users):
    return build_work(city, users)


def build_work(city, users) -> dict:
    """Round 8 being sampled: the neighbour grid's resident in a single tube, received by the lab; a
    bedridden resident of the home grid for home sampling; a site with a contact checked in six
    days ago (tests missed, the central phase over: on today's sheet and due for release), and one
    released a week after check-in, waiting to be handed over to the home grid."""
    command = users["command"]
    lab = tf.make_lab()
    lab_user = tf.make_lab_user("lab", lab)
    testing_round = tf.make_round(command)
    point = tf.make_point(city.home.community)
    neighbours = list(city.neighbour.household.members.all())
    bindings = [Binding("S1", person_id=neighbours[0].pk)]
    bulk_bind(actor=command, testing_round=testing_round, sampling_point=point, pooling_mode=PoolingMode.SINGLE, bindings=bindings)
    tube_receive(actor=lab_user, testing_round=testing_round, laboratory=lab, barcodes=["S1"])
    home = city.home.household
    elderly = home.members.get(name="王秀英")
    household_check_record(
        actor=users["grid"], testing_round=testing_round, household=home, members=[MemberCheck(elderly.pk, CheckOutcome.BEDRIDDEN)]
    )
    isof.use_profile("twenty-measures")
    site = isof.make_site(command, city.home.community)
    site_user = isof.make_site_user("hotel", site)
    checked_in = timezone.now() - dt.timedelta(days=6)
    contact = home.members.get(name="李建国")
    isof.open_and_check_in(
        command,
        contact,
        isof.room(site, "301"),
        identified_at=checked_in - dt.timedelta(hours=2),
        checked_in_at=checked_in,
        kind=EpisodeKind.CLOSE_CONTACT,
    )
    # Another contact of the home grid, tested negative every central day and released: to hand over.
    released = make_person(make_tree(household="103").household, "周晓红")
    week_ago = timezone.localtime().replace(hour=1, minute=0, second=0, microsecond=0) - dt.timedelta(days=7)
    episode = isof.open_and_check_in(
        command, released, isof.room(site, "302"), identified_at=week_ago - dt.timedelta(hours=1), checked_in_at=week_ago
    )
    isof.record_central(site_user, episode)
    release_order(actor=site_user, episode=episode)
    return {"round": testing_round, "lab": lab, "lab_user": lab_user, "site": site, "site_user": site_user, "point": point}


def home_page(client, user) -> tuple[str, dict]:
    client.force_login(user)
    response = client.get(reverse("reports:home"))
    assert response.status_code == 200
    html = response.content.decode()
    for hint in DEV_HINTS:
        assert hint not in html
    return html, {p.key: p for p in response.context["panels"]}


def menu(client) -> list[str]:
    response = client.get(reverse("reports:home"))
    return [str(i["label"]) for i in response.context["nav_items"]]


def test_grid_worker_lands_on_door_knocking_re_sampling_and_handovers_in_their_grid(client, users, city, work):
    html, panels = home_page(client, users["grid"])
    knock = panels[f"knocking-{city.home.grid.pk}"]
    assert knock.count == 2 and "101" in knock.rows[0].text and "李建国" in knock.rows[0].detail and "周晓红" in knock.rows[1].detail
    assert knock.rows[0].url.startswith(reverse("testing:door_knocking", args=[work["round"].pk, city.home.grid.pk]))
    assert panels["resampling"].count == 1 and panels["resampling"].rows[0].text == "王秀英"
    assert panels["handovers"].count == 1 and panels["handovers"].rows[0].text == "周晓红"
    assert "home-checks" in panels
    assert "第一网格" in html and "今日工作" in html and "overview-cards" not in html
    assert menu(client)[:2] == ["首页", "核酸检测"]


def test_community_worker_lands_on_its_grids_to_knock_handovers_and_monitoring_above_the_overview(client, users, city, work):
    html, panels = home_page(client, users["community"])
    knock = panels["knocking"]
    by_grid = {r.text: r for r in knock.rows}
    assert knock.count == 1 and "第二网格" not in by_grid  # grids, like the rows; the second grid's one resident was sampled
    assert by_grid["第一网格"].detail == "未采样 3 人，已说明 1 人"
    assert panels["handovers"].count == 1 and "如家酒店隔离点 → 迎宾南路社区" in panels["handovers"].rows[0].detail
    assert {"resampling", "home-checks", "monitoring"} <= set(panels)
    assert "overview-cards" in html and "迎宾南路社区" in html
    assert menu(client)[:3] == ["首页", "核酸检测", "集中隔离"]


@pytest.mark.parametrize("role", ["command", "district", "street"])
def test_offices_land_on_the_overview_of_their_places(client, users, work, role):
    html, panels = home_page(client, users[role])
    # The command also decides risk areas (zoning.decide): its panel, empty here; the district and the
    # street keep the 4+N duty rosters (zoning.duty): the duty gaps, none here. Every office files a
    # daily report (reports.daily): today's, not submitted here.
    expected = {"zoning-decisions"} if role == "command" else {"zoning-duty-gaps"}
    expected.add("daily-reports")
    assert set(panels) == expected and "overview-cards" in html
    assert menu(client)[0] == "首页"


def test_laboratory_lands_on_tubes_to_receive_and_results_due_under_its_name(client, users, work):
    html, panels = home_page(client, work["lab_user"])
    assert "所在机构：金域检验" in html and "管辖范围" not in html
    assert panels["lab-results"].count == 1 and "第 8 轮" in panels["lab-results"].rows[0].text
    assert panels["lab-receive"].count == 0 and panels["lab-receive"].empty
    labels = menu(client)
    assert labels[:2] == ["首页", "核酸检测"]
    assert "集中隔离" not in labels and "区域与人口" not in labels and "人员查询" not in labels and "阳性转运" not in labels
    assert 'name="q"' not in html  # no person search in the top bar


def test_a_sealed_tube_waits_for_the_laboratory(client, users, city, work):
    neighbour = make_person(city.neighbour.household, "孙立新")
    bulk_bind(
        actor=users["command"],
        testing_round=work["round"],
        sampling_point=work["point"],
        pooling_mode=PoolingMode.SINGLE,
        bindings=[Binding("S9", person_id=neighbour.pk)],
    )
    _html, panels = home_page(client, work["lab_user"])
    assert panels["lab-receive"].count == 1 and "1 支" in panels["lab-receive"].rows[0].detail


def test_isolation_site_lands_on_todays_sampling_sheet_and_releases_due(client, users, work):
    html, panels = home_page(client, work["site_user"])
    assert "所在机构：如家酒店隔离点" in html and "全市" not in html
    sheet = panels[f"day-sheet-{work['site'].pk}"]
    assert sheet.count >= 1 and "李建国" in sheet.rows[0].text and sheet.rows[0].flag == "补采"
    due = panels["releases-due"]
    assert due.count == 1 and due.rows[0].text == "李建国" and due.rows[0].url.startswith("/isolation/episodes/")
    assert panels["handovers"].count == 1
    labels = menu(client)
    assert labels[:2] == ["首页", "集中隔离"] and "核酸检测" not in labels and "阳性转运" not in labels


def test_hospital_lands_on_arrivals_and_discharges(client, users, scene, wards):  # noqa: F811
    html, panels = home_page(client, wards.hospital_user)
    assert "所在机构：内蒙古自治区第四医院" in html
    assert panels["arrivals"].count == 1 and panels["arrivals"].rows[0].url == reverse("cases:case_detail", args=[scene.coming.pk])
    assert panels["discharges"].count == 1 and panels["discharges"].rows[0].url == reverse("cases:case_detail", args=[scene.in_hospital.pk])
    labels = menu(client)
    assert labels[:2] == ["首页", "阳性转运"] and "集中隔离" not in labels and "核酸检测" not in labels


@pytest.mark.parametrize("name", ["auditor", "admin"])
def test_auditor_and_system_admin_land_on_todays_audit_events(client, users, work, name):
    html, panels = home_page(client, users[name])
    assert panels["audit-today"].count >= 1 and panels["audit-today"].rows[0].url.startswith("/audit/")
    assert "overview-cards" in html
    if name == "auditor":
        assert menu(client)[:2] == ["首页", "审计日志"]


def test_the_supervisor_lands_on_the_overview_of_their_district(client, city, work):
    user = make_user("u-supervisor", Role.SUPERVISOR, [("district", city.home.district)])
    html, panels = home_page(client, user)
    # 督导 (fangkong.supervision.landing): today's missing rounds and the fixes to verify, empty here.
    assert set(panels) == {"supervision-rounds", "supervision-verify"} and "overview-cards" in html and "新城区" in html


def test_the_volunteer_coordinator_lands_on_the_applications_and_the_shifts_short_of_people(client, city, work):
    """Their own work (fangkong.volunteers.landing), above the district's overview; tests/volunteers has the rows."""
    user = make_user("u-volunteer_coordinator", Role.VOLUNTEER_COORDINATOR, [("district", city.home.district)])
    html, panels = home_page(client, user)
    assert set(panels) == {"volunteers-applications", "volunteers-short"} and "overview-cards" in html
    assert menu(client)[:2] == ["首页", "志愿者"]


@pytest.mark.parametrize(
    ("role", "hint"), [(Role.SYSTEM_ADMIN, "请在“批量导入”中导入区域与人口"), (Role.SUPERVISOR, "导入后，会在这里显示")]
)
def test_an_empty_district_says_so_in_plain_words(client, db, role, hint):
    from fangkong.geo.models import District

    ensure_reference_data()
    html, _panels = home_page(client, make_user("someone", role, [("district", District.objects.order_by("pk").first())]))
    assert "还没有可统计的区域" in html and hint in html


def test_the_lab_sees_no_isolation_tabs_it_cannot_use(client, users, work):
    client.force_login(work["lab_user"])
    html = client.get(reverse("isolation:site_list")).content.decode()
    for tab in ("awaiting_board", "episode_list", "handover_list", "checklist_board", "incident_list"):
        assert f'href="{reverse("isolation:" + tab)}"' not in html


def test_every_round_being_sampled_keeps_its_work_on_the_home_page(client, users, city, work):
    """Round 9 starting does not hide round 8's re-sampling and door-knocking: rows of both rounds,
    each labelled with its round, the counts the sum over the rounds."""
    from fangkong.testing.services.rounds import round_sampling_started

    round_sampling_started(actor=users["command"], testing_round=tf.make_round(users["command"], number=9))
    html, panels = home_page(client, users["grid"])
    resampling = panels["resampling"]
    assert resampling.count == 1 and resampling.rows[0].text == "王秀英" and resampling.rows[0].detail.startswith("第 8 轮 · ")
    assert "2 个轮次在采样" in resampling.title
    knock = panels[f"knocking-{city.home.grid.pk}"]
    rounds_shown = {r.detail.split(" · ")[0] for r in knock.rows}
    assert rounds_shown == {"第 9 轮", "第 8 轮"} and knock.count > 2

    html, panels = home_page(client, users["community"])
    knock = panels["knocking"]
    assert {r.detail.split(" · ")[0] for r in knock.rows} == {"第 9 轮", "第 8 轮"}
    assert knock.count == len(knock.rows) == 3  # two grids in round 9, one in round 8: grids, like the rows
    assert "敲门行动 · 2 个轮次在采样" in html and "第 8 轮 · 未采样 3 人，已说明 1 人" in html


def test_community_knocking_counts_grids_like_its_rows(client, users, city, work):
    html, panels = home_page(client, users["community"])
    knock = panels["knocking"]
    assert knock.count == len(knock.rows) == 1 and knock.unit == "个网格"
