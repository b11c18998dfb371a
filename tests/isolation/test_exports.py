"""快隔 lists exported to Excel and printed: the contacts awaiting isolation, the 日清日结 board, the
roster (the list of people in isolation, by site), the day's figures — each with the page's filters and
scope, masked ID numbers, and a data.export audit event."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt
from fangkong.core.roles import Role

from ..factories import make_user
from ..xlsx import xlsx_rows
from .factories import local
from .pages import as_user, checked_in, waiting
from .tracing_factories import add

ROSTER = reverse("isolation:episode_list")


@pytest.fixture
def huimin(city):
    return make_user("huimin", Role.DISTRICT_OFFICE, [("district", city.elsewhere.district)])


def last_export() -> AuditEvent:
    return AuditEvent.objects.filter(event_type=EventType.EXPORT).latest("id")


def test_contacts_awaiting_export_in_the_boards_order_and_scope(client, trace, users, huimin):
    first = add(users["command"], trace.case_a, trace.family).contact
    second = add(users["command"], trace.case_b, trace.far, at=local(2022, 11, 15, 9)).contact
    url = reverse("isolation:contacts_awaiting")
    c = as_user(client, users["command"])
    assert "format=xlsx" in c.get(url).content.decode()
    rows = xlsx_rows(c.get(url, {"format": "xlsx"}))
    assert rows[0][2:4] == ("姓名", "证件号码")
    assert [r[2] for r in rows[1:]] == [trace.family.name, trace.far.name]
    assert rows[1][3] == trace.family.id_masked and decrypt(trace.family.id_cipher) not in str(rows)
    assert rows[1][5] == f"#{trace.case_a.pk}"  # the case by its number, never its name
    assert last_export().after == {"list": "isolation.contacts_awaiting", "format": "xlsx", "filters": {}, "rows": 2}
    rows = xlsx_rows(as_user(client, huimin).get(url, {"format": "xlsx"}))
    assert [r[2] for r in rows[1:]] == [trace.far.name]
    assert first.episode_id and second.episode_id


def test_the_awaiting_board_exports_everyone_not_yet_in_a_room(client, setup, users):
    w = waiting(users["command"], setup.stranger)
    checked_in(users["command"], setup.family[0], setup.site, "401")
    url = reverse("isolation:awaiting_board")
    rows = xlsx_rows(as_user(client, users["command"]).get(url, {"format": "xlsx"}))
    assert [r[2] for r in rows[1:]] == [w.person.name]
    assert rows[1][1] == "是"  # overdue


def test_the_roster_exports_and_prints_the_filtered_list(client, setup, users):
    cmd = users["command"]
    a = checked_in(cmd, setup.family[0], setup.site, "401")
    b = checked_in(cmd, setup.elsewhere, setup.other_site, "301")
    waiting(cmd, setup.stranger)
    c = as_user(client, cmd)
    query = {"site": setup.site.pk, "status": "checked_in"}
    page = c.get(ROSTER, query)
    html = page.content.decode()
    assert "format=xlsx" in html and "print=1" in html
    rows = xlsx_rows(c.get(ROSTER, {**query, "format": "xlsx"}))
    assert len(rows) - 1 == page.context["page_obj"].paginator.count == 1
    assert rows[1][:2] == (a.person.name, a.person.id_masked)
    assert last_export().after["filters"] == {"status": "checked_in", "site_id": str(setup.site.pk)}
    # every status: both sites
    assert {r[0] for r in xlsx_rows(c.get(ROSTER, {"status": "checked_in", "format": "xlsx"}))[1:]} == {a.person.name, b.person.name}
    # printed: no navigation, the list's name, the site, the Beijing time printed, every row
    printed = c.get(ROSTER, {**query, "print": "1"})
    text = printed.content.decode()
    assert printed.status_code == 200 and 'id="print-title"' in text and "navbar" not in text
    assert setup.site.name in text and "北京时间" in text and a.person.id_masked in text and b.person.name not in text
    assert decrypt(a.person.id_cipher) not in text
    assert last_export().after["format"] == "print"
    # the site's page links its roster, printed and exported
    site_page = c.get(reverse("isolation:site_detail", args=[setup.site.pk])).content.decode()
    assert f"?site={setup.site.pk}&amp;status=checked_in&amp;print=1" in site_page
    # a site's own staff: their site only, whatever the query asks
    client.logout()
    rows = xlsx_rows(as_user(client, setup.site_user).get(ROSTER, {"site": setup.other_site.pk, "format": "xlsx"}))
    assert rows[1:] == []
    client.logout()
    assert xlsx_rows(as_user(client, users["nogrant"]).get(ROSTER, {"format": "xlsx"}))[1:] == []


def test_an_export_is_refused_where_the_page_is(client, setup, users):
    for role in ("grid", "auditor"):
        client.logout()
        c = as_user(client, users[role])
        assert c.get(ROSTER, {"format": "xlsx"}).status_code == c.get(ROSTER).status_code


def test_the_days_figures_export_as_a_table(client, setup, users):
    checked_in(users["command"], setup.family[0], setup.site, "401", at=local(2022, 11, 14, 15))
    url = reverse("isolation:figures")
    rows = xlsx_rows(as_user(client, users["command"]).get(url, {"day": "2022-11-14", "format": "xlsx"}))
    assert rows[0] == ("日期", "类别", "项目", "数值")
    assert ("入住", 1) in {(r[2], r[3]) for r in rows[1:]}
    assert last_export().after["filters"] == {"day": "2022-11-14"}
