"""跟踪问效 (/reports/accountability/): per unit below the user's place, the figures of the three
selectors it composes — 督导's accountability, the flags' flags_by_unit, the daily reports'
reports_on_time — the period's validation, scoping (a street never sees another district's units,
whatever it asks for), the drill-down and the audited .xlsx export."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.roles import Role
from fangkong.flags.choices import FlagKind, FlagRuleCode
from fangkong.flags.models import Flag
from fangkong.flags.selectors import flags_by_unit
from fangkong.policy.regimen import local_midnight
from fangkong.reports.accountability.selectors import OWN, accountability_by_unit, home_place
from fangkong.reports.daily.choices import ReportLevel, ReportStatus
from fangkong.reports.daily.models import DailyReport
from fangkong.reports.daily.selectors import reports_on_time
from fangkong.supervision import selectors as supervision

from ..factories import make_tree, make_user
from ..supervision.conftest import record_finding, sup  # noqa: F401 (fixture)

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 10, 15, 0, tzinfo=BEIJING)  # before the communities' 16:00 deadline
TODAY = NOW.date()
START, END = TODAY - dt.timedelta(days=6), TODAY
URL = "/reports/accountability/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def flag(tree, subject: str, raised: dt.datetime, cleared: dt.datetime | None = None, *, street=True) -> Flag:
    return Flag.objects.create(
        rule=FlagRuleCode.TRANSFER_OVERDUE,
        kind=FlagKind.UNDER,
        subject=subject,
        title=f"超时未转运 {subject}",
        district_id=tree.district.pk,
        street_id=tree.street.pk if street else None,
        community_id=tree.community.pk if street else None,
        place_name=tree.community.name if street else tree.district.name,
        raised_at=raised,
        seen_at=raised,
        cleared_at=cleared,
    )


def report(tree, day: dt.date, *, late: bool) -> DailyReport:
    at = dt.datetime.combine(day, dt.time(17 if late else 12), tzinfo=BEIJING)
    return DailyReport.objects.create(
        date=day,
        level=ReportLevel.COMMUNITY,
        place_key=f"community:{tree.community.pk}",
        district_id=tree.district.pk,
        street_id=tree.street.pk,
        community_id=tree.community.pk,
        place_name=tree.community.name,
        status=ReportStatus.SUBMITTED,
        deadline=dt.datetime.combine(day, dt.time(16), tzinfo=BEIJING),
        submitted_at=at,
        first_submitted_at=at,
        late=late,
    )


@pytest.fixture
def world(city, users, sup):  # noqa: F811
    second = make_tree(community="新华社区", grid="第一网格", compound="新华小区")
    record_finding(sup, at=timezone.now() - dt.timedelta(days=2))
    flag(city.home, "home-open", NOW - dt.timedelta(days=3))
    flag(second, "second-cleared", NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=1))
    flag(city.home, "district-wide", NOW - dt.timedelta(days=1), street=False)
    flag(city.elsewhere, "elsewhere", NOW - dt.timedelta(days=1))
    report(city.home, TODAY - dt.timedelta(days=2), late=False)
    report(city.home, TODAY - dt.timedelta(days=1), late=True)
    return {"home": city.home, "second": second, "elsewhere": city.elsewhere, "users": users}


def by_name(result):
    return {r.name: r.counts for r in result.rows}


def test_street_figures_per_community(world):
    street = world["users"]["street"]
    result = accountability_by_unit(user=street, start=START, end=END, place=home_place(street))
    rows = by_name(result)
    home, second = rows["迎宾南路社区"], rows["新华社区"]
    assert home["flags_raised"] == 1 and home["flags_open"] == 1 and home["flags_cleared"] == 0
    assert second["flags_raised"] == 1 and second["flags_cleared"] == 1 and second["flags_open"] == 0
    assert (home["reports_on_time"], home["reports_late"], home["reports_missing"]) == (1, 1, 4)  # today not yet due
    assert (second["reports_on_time"], second["reports_missing"]) == (0, 6)
    assert "通顺社区" not in rows and OWN not in [r.key for r in result.rows]


def test_figures_equal_the_three_selectors(world):
    """Nothing counted that the selectors do not count: totals agree, figure by figure."""
    for who in ("street", "district", "command"):
        user = world["users"][who]
        result = accountability_by_unit(user=user, start=START, end=END, place=home_place(user))
        since, until = local_midnight(START), local_midnight(END + dt.timedelta(days=1))
        units = flags_by_unit(user=user, since=since, until=until)
        assert result.total("flags_raised") == sum(u.raised for u in units), who
        assert result.total("flags_cleared") == sum(u.cleared for u in units), who
        assert result.total("flags_open") == sum(u.open_at_end for u in units), who
        if result.shows_supervision:
            sup_rows = supervision.accountability(user=user, start=START, end=END)
            for figure in ("findings", "on_time", "late", "open"):
                assert result.total(figure) == sum(r.count(figure) for r in sup_rows), (who, figure)
        keys = [int(r.key) for r in result.rows if r.key != OWN]
        on_time = reports_on_time(user=user, level=result.level, start=START, end=END, place_ids=keys)
        assert result.total("reports_on_time") == sum(o.on_time for o in on_time), who
        assert result.total("reports_late") == sum(o.late for o in on_time), who
        assert result.total("reports_missing") == sum(o.missing for o in on_time), who


def test_district_sees_its_own_flag_as_its_own_row(world):
    district = world["users"]["district"]
    result = accountability_by_unit(user=district, start=START, end=END, place=home_place(district))
    own = result.row(OWN)
    assert own is not None and own.count("flags_raised") == 1
    assert "环河街街道" not in by_name(result)


def test_supervision_figures_with_the_capability(world, sup):  # noqa: F811
    inspector = sup["inspector"]
    assert home_place(inspector).level == ReportLevel.DISTRICT
    result = accountability_by_unit(user=inspector, start=START, end=END, place=home_place(inspector))
    assert result.shows_supervision
    assert result.total("findings") == 1 and result.total("open") == 1


def test_page_drills_down_and_has_no_names(client, world, sup):  # noqa: F811
    client.force_login(sup["inspector"])
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-accountability" in html and "中山东路街道" in html
    assert sup["owner"].get_full_name() not in html if sup["owner"].get_full_name() else True
    street = world["home"].street.pk
    drill = client.get(URL, {"start": START.isoformat(), "end": END.isoformat(), "unit": street, "figure": "findings"})
    assert "值守人员不在岗" in drill.content.decode()
    flags = client.get(URL, {"start": START.isoformat(), "end": END.isoformat(), "unit": street, "figure": "flags_raised"})
    assert "home-open" in flags.content.decode() and "elsewhere" not in flags.content.decode()


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [("2026-03-10", "2026-03-01", "结束日期早于开始日期"), ("2025-12-01", "2026-03-10", "期间最长 92 天"), ("nonsense", "2026-03-10", "")],
)
def test_period_is_validated(client, world, start, end, message):
    client.force_login(world["users"]["street"])
    page = client.get(URL, {"start": start, "end": end})
    assert page.status_code == 422
    assert 'data-error="' in page.content.decode()
    assert message in page.content.decode()


def test_92_days_is_allowed(client, world):
    client.force_login(world["users"]["street"])
    assert client.get(URL, {"start": (TODAY - dt.timedelta(days=91)).isoformat(), "end": TODAY.isoformat()}).status_code == 200


def test_street_cannot_reach_another_district(client, world):
    """Attack: a street office asks for the other district's place and drills into its community."""
    client.force_login(world["users"]["street"])
    other = world["elsewhere"]
    for place in (f"district:{other.district.pk}", f"street:{other.street.pk}", "city"):
        html = client.get(URL, {"place": place}).content.decode()
        assert "环河街街道" not in html and "通顺社区" not in html
        assert "迎宾南路社区" in html
    drill = client.get(URL, {"unit": other.community.pk, "figure": "flags_raised", "place": f"street:{other.street.pk}"})
    assert "elsewhere" not in drill.content.decode()


def test_without_a_grant_refused(client, world):
    client.force_login(world["users"]["nogrant"])
    assert client.get(URL).status_code == 403


def test_empty_state(client, world):
    quiet = make_tree(street="新华街道", community="安静社区")
    client.force_login(make_user("quiet-street", Role.STREET_OFFICE, [("street", quiet.street)]))
    page = client.get(URL, {"start": (TODAY + dt.timedelta(days=1)).isoformat(), "end": (TODAY + dt.timedelta(days=7)).isoformat()})
    assert "data-empty" in page.content.decode() and "data-export" not in page.content.decode()


def test_export_opens_and_is_audited(client, world):
    client.force_login(world["users"]["street"])
    response = client.get(URL, {"start": START.isoformat(), "end": END.isoformat(), "format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "单位"
    home = next(row for row in values if row[0] == "迎宾南路社区")
    assert home[values[0].index("未报送")] == 4
    event = AuditEvent.objects.filter(event_type=EventType.EXPORT).latest("id")
    assert event.object_type == "reports.accountability"


def test_linked_from_daily_reports(client, world):
    client.force_login(world["users"]["street"])
    assert reverse("reports:accountability") in client.get(reverse("daily:day")).content.decode()
