"""The case list and the day's figures exported to Excel: the page's filters and scope, masked ID
numbers, a data.export audit event with the filters and the row count."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt

from ..xlsx import xlsx_rows
from .pages import as_user, scene_fixture  # noqa: F401  (a fixture)

LIST = reverse("cases:case_list")
FIGURES = reverse("cases:day_figures")


def test_the_case_list_exports_what_the_page_lists(client, scene, users, wards):
    c = as_user(client, users["command"])
    page = c.get(LIST, {"status": "open"})
    assert "format=xlsx" in page.content.decode()  # the button carries the page's filters
    rows = xlsx_rows(c.get(LIST, {"status": "open", "format": "xlsx", "page": "2"}))
    assert rows[0][:3] == ("病例编号", "姓名", "证件号码")
    assert {r[0] for r in rows[1:]} == {x.pk for x in page.context["page_obj"].paginator.object_list}
    assert len(rows) - 1 == page.context["page_obj"].paginator.count == 3
    person = scene.coming.person
    line = next(r for r in rows if r[0] == scene.coming.pk)
    assert line[2] == person.id_masked and "*" in line[2]
    assert decrypt(person.id_cipher) not in str(rows)
    event = AuditEvent.objects.get(event_type=EventType.EXPORT)
    assert event.actor == users["command"] and event.count == 3
    assert event.after["list"] == "cases.case_list" and event.after["filters"] == {"status": "open"}


def test_a_searched_list_exports_by_its_token_and_never_logs_the_term(client, scene, users, wards):
    c = as_user(client, users["command"])
    person = scene.coming.person
    found = c.post(LIST, {"q": person.name}, follow=True)
    token = found.request["QUERY_STRING"].split("s=")[1]
    assert f"s={token}&amp;format=xlsx" in found.content.decode() or f"format=xlsx&amp;s={token}" in found.content.decode()
    rows = xlsx_rows(c.get(LIST, {"s": token, "format": "xlsx"}))
    assert [r[0] for r in rows[1:]] == [scene.coming.pk]
    event = AuditEvent.objects.get(event_type=EventType.EXPORT)
    assert event.after["filters"] == {"q": "***"} and person.name not in str(event.after)


def test_the_export_keeps_the_viewers_scope(client, scene, users, wards):
    rows = xlsx_rows(as_user(client, wards.hospital_user).get(LIST, {"format": "xlsx"}))
    assert {r[0] for r in rows[1:]} == {scene.in_hospital.pk, scene.coming.pk}
    client.logout()
    assert xlsx_rows(as_user(client, users["nogrant"]).get(LIST, {"format": "xlsx"}))[1:] == []
    client.logout()
    assert as_user(client, users["grid"]).get(LIST, {"format": "xlsx"}).status_code == 403  # as the page


def test_the_day_figures_export_their_district_table(client, scene, users, wards):
    c = as_user(client, users["command"])
    day = timezone.localdate()
    page = c.get(FIGURES, {"date": day.isoformat()})
    rows = xlsx_rows(c.get(FIGURES, {"date": day.isoformat(), "format": "xlsx"}))
    assert rows[0][:3] == ("日期", "区县", "新增确诊")
    assert [r[1] for r in rows[1:]] == [d.name for d in page.context["rows"]]
    assert [r[2] for r in rows[1:]] == [d.new_confirmed for d in page.context["rows"]]
    event = AuditEvent.objects.get(event_type=EventType.EXPORT)
    assert event.after["list"] == "cases.day_figures" and event.after["filters"] == {"date": day.isoformat()}
