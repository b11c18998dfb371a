"""Grid workers' lists exported to Excel and printed: the door-knocking list of a grid and the
re-sampling tasks — the page's filters and scope, masked ID numbers, a data.export audit event."""

from __future__ import annotations

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt

from ..xlsx import xlsx_rows
from .test_views_field import as_user, knock_url, pool_positive, sampled, tasks_url  # noqa: F401  (the field pages' fixtures)


def last_export() -> AuditEvent:
    return AuditEvent.objects.filter(event_type=EventType.EXPORT).latest("id")


def test_the_door_knocking_list_exports_its_missing_residents(client, sampled, users, city):  # noqa: F811
    c = as_user(client, users["grid"])
    url = knock_url(sampled, city.home.grid)
    assert "format=xlsx" in c.get(url).content.decode()
    rows = xlsx_rows(c.get(url, {"format": "xlsx"}))
    wang, li = sampled.ten[0], sampled.ten[1]
    assert rows[0][:4] == ("楼栋单元户", "已采/应采", "未采样人员", "证件号码")
    assert [(r[2], r[3]) for r in rows[1:]] == [(wang.name, wang.id_masked), (li.name, li.id_masked)]
    assert rows[1][0] == "迎宾小区1号楼1单元101"
    assert decrypt(wang.id_cipher) not in str(rows)
    event = last_export()
    assert event.actor == users["grid"] and event.count == 2
    assert event.after["list"] == "testing.door_knocking"
    assert event.after["filters"] == {"round": sampled.round.pk, "grid": city.home.grid.pk}
    # another grid's list is not theirs: 404 as the page, nothing written
    assert c.get(knock_url(sampled, city.neighbour.grid), {"format": "xlsx"}).status_code == 404
    assert as_user(client, sampled.lab_user).get(url, {"format": "xlsx"}).status_code == 403
    assert AuditEvent.objects.filter(event_type=EventType.EXPORT).count() == 1


def test_resampling_tasks_export_and_print_with_the_filters(client, pool_positive, users, city):  # noqa: F811
    s = pool_positive
    c = as_user(client, users["community"])
    query = {"grid": city.home.grid.pk, "status": "open"}
    page = c.get(tasks_url(s), query)
    rows = xlsx_rows(c.get(tasks_url(s), {**query, "format": "xlsx"}))
    assert len(rows) - 1 == page.context["page_obj"].paginator.count == 8
    assert {r[0] for r in rows[1:]} == {city.home.grid.name}
    assert all("*" in r[3] for r in rows[1:]) and {r[6] for r in rows[1:]} == {"P1"}
    assert last_export().after["filters"] == {"round": str(s.round.pk), "grid": str(city.home.grid.pk), "status": "open"}
    # every grid of the community: the neighbour grid's tasks too
    assert len(xlsx_rows(c.get(tasks_url(s), {"format": "xlsx"}))) - 1 == c.get(tasks_url(s)).context["page_obj"].paginator.count == 10
    printed = c.get(tasks_url(s), {**query, "print": "1"}).content.decode()
    assert 'id="print-table"' in printed and "上门单采任务单" in printed and "北京时间" in printed and "navbar" not in printed
    assert printed.count("<tr><td>") == 8 and s.ten[2].id_masked in printed
    assert last_export().after["format"] == "print"
    # a grid worker: their grid only, whatever the query asks
    client.logout()
    c = as_user(client, users["grid"])
    rows = xlsx_rows(c.get(tasks_url(s), {"format": "xlsx"}))
    assert len(rows) - 1 == 8 and {r[0] for r in rows[1:]} == {city.home.grid.name}
    assert c.get(tasks_url(s), {"grid": city.neighbour.grid.pk, "format": "xlsx"}).status_code == 404
