"""The daily report pages: a community worker fills in, saves and submits its own report; the street
sees its communities' states and compiles; the attack — a community user reading, editing, submitting
or exporting another community's report, or reopening its own — is refused (404 / 403) and changes
nothing; the exports open (.docx parsed with python-docx, the PDF's text read back from its content
streams — title, date, numbered headings, a figure of the table —, the xlsx with openpyxl)
and are audited."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.geo.models import District
from fangkong.reports.daily import services
from fangkong.reports.daily.choices import ReportStatus
from fangkong.reports.daily.figures import catalogue
from fangkong.reports.daily.models import DailyReport

from .conftest import DAY
from .pdftext import pdf_strings

pytestmark = [pytest.mark.django_db]


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def theirs(clock, second, people):
    report = services.report_open(actor=people["community2"], level="community", place_id=second.community.pk, date=DAY, filled={})
    return services.report_edit(actor=people["community2"], report=report, problems="他们的问题")


def test_a_community_fills_in_and_submits_its_report(clock, client, city, people):
    login(client, people["community"])
    page = client.get(reverse("daily:day"), {"date": DAY.isoformat()})
    assert page.status_code == 200 and city.home.community.name in page.content.decode()
    r = client.post(reverse("daily:open"), {"level": "community", "place": city.home.community.pk, "date": DAY.isoformat()})
    report = DailyReport.objects.get(place_key=f"community:{city.home.community.pk}")
    assert r.status_code == 302 and r["Location"] == reverse("daily:report", args=[report.pk])
    r = client.post(reverse("daily:report", args=[report.pk]), {"problems": "缺少采样人员", "needs": "", "next_steps": "明日复核"})
    assert r.status_code == 302
    assert client.post(reverse("daily:submit", args=[report.pk])).status_code == 302
    again = client.post(reverse("daily:submit", args=[report.pk]))
    assert again.status_code == 422 and "不能重复报送" in again.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.problems == "缺少采样人员"


def test_an_edit_after_compilation_is_refused_on_the_page(clock, client, city, people):
    report = services.report_open(actor=people["community"], level="community", place_id=city.home.community.pk, date=DAY, filled={})
    services.report_submit(actor=people["community"], report=report)
    street = services.report_open(actor=people["street"], level="street", place_id=city.home.street.pk, date=DAY)
    services.report_compile(actor=people["street"], report=street)
    login(client, people["community"])
    r = client.post(reverse("daily:report", args=[report.pk]), {"problems": "改", "needs": "", "next_steps": ""})
    assert r.status_code == 422 and "退回" in r.content.decode()


def test_the_street_sees_its_units_and_compiles(clock, client, city, people, theirs):
    services.report_submit(actor=people["community2"], report=theirs)
    login(client, people["street"])
    page = client.get(reverse("daily:day"), {"date": DAY.isoformat()}).content.decode()
    assert "填报中未报送" not in page and city.home.community.name in page  # the home community: missing
    client.post(reverse("daily:open"), {"level": "street", "place": city.home.street.pk, "date": DAY.isoformat()})
    street = DailyReport.objects.get(level="street")
    assert client.post(reverse("daily:compile", args=[street.pk])).status_code == 302
    street.refresh_from_db()
    assert "他们的问题" in street.problems
    page = client.get(reverse("daily:report", args=[street.pk])).content.decode()
    assert 'data-state="missing"' in page and 'data-state="on_time"' in page


@pytest.mark.parametrize("name", ["daily:report", "daily:export"])
def test_attack_a_community_cannot_read_another_community_report(clock, client, people, theirs, name):
    login(client, people["community"])
    args = [theirs.pk] if name == "daily:report" else [theirs.pk, "pdf"]
    assert client.get(reverse(name, args=args)).status_code == 404
    assert not AuditEvent.objects.filter(event_type=EventType.EXPORT).exists()


def test_attack_a_community_cannot_edit_submit_or_open_another_community_report(clock, client, second, people, theirs):
    login(client, people["community"])
    assert client.post(reverse("daily:report", args=[theirs.pk]), {"problems": "篡改"}).status_code == 404
    assert client.post(reverse("daily:submit", args=[theirs.pk])).status_code == 404
    client.post(reverse("daily:open"), {"level": "community", "place": second.community.pk, "date": DAY.isoformat()})
    theirs.refresh_from_db()
    assert theirs.status == ReportStatus.DRAFT and theirs.problems == "他们的问题"
    assert DailyReport.objects.count() == 1


def test_attack_a_street_reads_but_cannot_submit_a_community_report(clock, client, people, theirs):
    login(client, people["street"])
    assert client.get(reverse("daily:report", args=[theirs.pk])).status_code == 200
    assert client.post(reverse("daily:submit", args=[theirs.pk])).status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == ReportStatus.DRAFT


def test_attack_a_community_cannot_reopen_its_own_compiled_report(clock, client, city, people):
    report = services.report_open(actor=people["community"], level="community", place_id=city.home.community.pk, date=DAY, filled={})
    services.report_submit(actor=people["community"], report=report)
    login(client, people["community"])
    assert client.post(reverse("daily:reopen", args=[report.pk]), {"reason": "自己改"}).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_grid_worker_files_no_report(clock, client, people):
    login(client, people["grid"])
    page = client.get(reverse("daily:day")).content.decode()
    assert "您不负责填报日报" in page


@pytest.fixture
def city_report(clock, city, second, people, theirs):
    services.report_submit(actor=people["community2"], report=theirs)
    street = services.report_open(actor=people["street"], level="street", place_id=city.home.street.pk, date=DAY)
    services.report_submit(actor=people["street"], report=services.report_compile(actor=people["street"], report=street))
    district = services.report_open(actor=people["district"], level="district", place_id=city.home.district.pk, date=DAY)
    services.report_submit(actor=people["district"], report=services.report_compile(actor=people["district"], report=district))
    report = services.report_open(actor=people["command"], level="city", place_id=None, date=DAY)
    return services.report_compile(actor=people["command"], report=report)


def test_the_city_report_exports_to_docx_pdf_and_xlsx(client, people, city_report):
    import docx
    import openpyxl

    figure = catalogue()[1]
    DailyReport.objects.filter(pk=city_report.pk).update(figures={**city_report.figures, figure.key: 37})
    login(client, people["command"])
    r = client.get(reverse("daily:export", args=[city_report.pk, "docx"]))
    assert r.status_code == 200 and r["Content-Disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(r.content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "全市疫情防控工作日报" and texts[1] == "2026年3月2日"
    assert any(t.startswith("一、今日主要数据") for t in texts) and any(t.startswith("三、存在的问题") for t in texts)
    assert any("他们的问题" in t for t in texts)
    assert len(document.tables) == 2 and document.tables[0].rows[0].cells[1].text == "指标"

    r = client.get(reverse("daily:export", args=[city_report.pk, "pdf"]))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert b"/Type /Page" in r.content and b"STSong-Light" in r.content
    shown = pdf_strings(r.content)
    title = shown.index("全市疫情防控工作日报")
    assert shown[title + 1] == "2026年3月2日" and "— 1 —" in shown  # the title, the date under it; the page's number
    headings = [t for t in shown if t[:2] in {f"{n}、" for n in "一二三四五六"}]
    assert headings == ["一、今日主要数据", "二、下级单位报送情况", "三、存在的问题", "四、困难和需求", "五、下一步工作"]
    assert "【新城区】【中山东路街道】【新华社区】他们的问题" in shown  # a compiled text section
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    table = shown.index("环节")
    assert shown[table : table + 3 * len(rows)] == [cell for row in rows for cell in row]  # the figures table, cell by cell
    assert shown[shown.index(figure.label) + 1] == "37"  # the one figure that is not 0: its value beside its label

    r = client.get(reverse("daily:export", args=[city_report.pk, "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(r.content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "单位" and rows[-1][0] == "合计：全市"
    assert len(rows) == 1 + District.objects.count() + 1  # the header, one row per district, the city's total
    home = next(row for row in rows if row[0] == city_report_district_name(people))
    assert home[1] == "按时报送"
    assert AuditEvent.objects.filter(event_type=EventType.EXPORT, object_type="reports.daily_report").count() == 3
    assert client.get(reverse("daily:export", args=[city_report.pk, "csv"])).status_code == 404


def city_report_district_name(people) -> str:
    return DailyReport.objects.get(level="district").place_name


def test_a_district_cannot_export_the_city_report(client, people, city_report):
    login(client, people["district"])
    assert client.get(reverse("daily:export", args=[city_report.pk, "pdf"])).status_code == 404


def test_the_home_page_lists_today_unsubmitted_reports(clock, client, city, people, theirs):
    login(client, people["street"])
    page = client.get(reverse("reports:home")).content.decode()
    assert "今日日报未报送" in page and "新华社区" in page and f"{city.home.street.name}今日日报" in page
    services.report_submit(actor=people["community2"], report=theirs)
    login(client, people["community2"])
    assert "今日日报未报送" not in client.get(reverse("reports:home")).content.decode()
