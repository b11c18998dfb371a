"""The audit log exported to Excel: the page's filters, only for those who may read the log, the
export itself audited; a value that looks like a formula is written as text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.audit.services import audit_record

from ..xlsx import xlsx_rows

pytestmark = pytest.mark.django_db
LIST = reverse("audit:event_list")


@pytest.fixture
def events(users):
    audit_record(actor=users["community"], event_type=EventType.ID_REVEALED, object_type="geo.person", object_id=7, reason="=1+2")
    audit_record(actor=users["command"], event_type=EventType.IMPORT_BATCH, object_type="imports.job", object_id=3, count=1200)


def test_the_audit_log_exports_with_its_filters(client, users, events):
    client.force_login(users["auditor"])
    query = {"event_type": EventType.ID_REVEALED}
    page = client.get(LIST, query)
    assert "format=xlsx" in page.content.decode()
    rows = xlsx_rows(client.get(LIST, {**query, "format": "xlsx"}))
    assert len(rows) - 1 == page.context["page_obj"].paginator.count == 1
    assert rows[1][1] == "community" and rows[1][3] == EventType.ID_REVEALED
    assert rows[1][8] == "'=1+2"  # neutralised, shown as text
    event = AuditEvent.objects.filter(event_type=EventType.EXPORT).get()
    assert event.actor == users["auditor"] and event.count == 1
    assert event.after["filters"] == {"event_type": EventType.ID_REVEALED}
    # unfiltered: the two events and the first export (each export is logged after its rows are read)
    assert len(xlsx_rows(client.get(LIST, {"format": "xlsx"}))) - 1 == 3


@pytest.mark.parametrize("role", ["command", "community", "nogrant"])
def test_the_export_is_refused_to_whoever_may_not_read_the_log(client, users, events, role):
    client.force_login(users[role])
    assert client.get(LIST, {"format": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(event_type=EventType.EXPORT).exists()
