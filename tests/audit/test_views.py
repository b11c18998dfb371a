"""The audit log pages: only for Cap.AUDIT_VIEW with a city-wide grant; filters; detail."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.audit.services import audit_record

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(users):
    a = audit_record(
        actor=users["admin"],
        event_type=EventType.POLICY_PARAMETER_CHANGED,
        object_type="policy.policyparameter",
        object_id=41,
        object_repr="local:close_contact.central_days",
        before={"value": 5, "source": "二十条"},
        after={"value": 7, "source": "市指挥部 2022-12-01 会议"},
    )
    b = audit_record(
        actor=users["community"], event_type=EventType.ID_REVEALED, object_type="geo.person", object_id=7, reason="核对转运名单"
    )
    c = audit_record(actor=users["command"], event_type=EventType.IMPORT_BATCH, object_type="imports.job", object_id=3, count=1200)
    return a, b, c


def test_auditor_sees_all_events(client, users, events):
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:event_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "核对转运名单" in html and "local:close_contact.central_days" in html and "imports.job" in html
    # the diff shows the changed values compactly
    assert re.search(r"取值:</span>\s*<span[^>]*>5</span>\s*→\s*<span[^>]*>7</span>", html)


def test_object_types_fields_booleans_and_filters_read_as_words(client, users):
    """The model's verbose_name for the object type, field names and 是/否 in the changes, and an
    export's filters as "名称: 值" pairs, never `accounts.user`, "False" or a Python dict."""
    login = audit_record(actor=users["admin"], event_type=EventType.LOGIN, obj=users["admin"], after={"second_factor": False})
    export = audit_record(
        actor=users["admin"], event_type=EventType.EXPORT, object_type="testing.tube",
        after={"list": "testing.tubes", "filters": {"round": "1", "status": "sealed"}, "rows": 3},
    )  # fmt: skip
    client.force_login(users["auditor"])
    html = client.get(reverse("audit:event_list")).content.decode()
    assert 'data-object-type="accounts.user">用户<' in html and 'data-object-type="testing.tube">试管<' in html
    assert re.search(r"第二重验证:</span>\s*<span[^>]*>—</span>\s*→\s*<span[^>]*>否</span>", html)
    assert "False" not in html and "{&#x27;round" not in html
    detail = client.get(reverse("audit:event_detail", args=[export.pk])).content.decode()
    assert "轮次: 1；状态: sealed" in detail and ">筛选条件<" in detail and ">试管<" in detail
    detail = client.get(reverse("audit:event_detail", args=[login.pk])).content.decode()
    assert ">用户<" in detail and ">否<" in detail


@pytest.mark.parametrize("role", ["command", "district", "community", "grid", "nogrant"])
def test_everyone_else_is_refused(client, users, events, role):
    client.force_login(users[role])
    assert client.get(reverse("audit:event_list")).status_code == 403
    assert client.get(reverse("audit:event_detail", args=[events[0].pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("audit:event_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_auditor_without_city_grant_sees_nothing(client, city, users, events):
    local_auditor = make_user("local-auditor", "auditor", [("district", city.home.district)])
    client.force_login(local_auditor)
    response = client.get(reverse("audit:event_list"))
    assert response.status_code == 200
    assert "核对转运名单" not in response.content.decode()
    assert "全市管辖范围" in response.content.decode()
    assert client.get(reverse("audit:event_detail", args=[events[1].pk])).status_code == 404


def list_ids(client, **params) -> set[int]:
    response = client.get(reverse("audit:event_list"), params)
    assert response.status_code == 200
    return {event.pk for event, *_shown in response.context["rows"]}


def test_filters(client, users, events):
    a, b, c = events
    client.force_login(users["auditor"])
    assert list_ids(client, actor="community") == {b.pk}
    assert list_ids(client, actor="COMMUNITY") == {b.pk}
    assert list_ids(client, event_type=EventType.IMPORT_BATCH) == {c.pk}
    assert list_ids(client, object_type="geo.person") == {b.pk}
    assert list_ids(client, object_type="policy.policyparameter", object_id="41") == {a.pk}
    AuditEvent.objects.filter(pk=a.pk).update(at=dt.datetime(2022, 11, 20, 2, 0, tzinfo=dt.UTC))
    assert list_ids(client, since="2022-11-20T00:00", until="2022-11-20T23:59") == {a.pk}
    assert list_ids(client, since="2022-11-21T00:00") == {b.pk, c.pk}
    # an unknown event type is a form error, not a crash nor a silent "everything"
    response = client.get(reverse("audit:event_list"), {"event_type": "nope"})
    assert response.status_code == 200


def test_event_type_choices_come_from_the_catalogue(client, users, events):
    client.force_login(users["auditor"])
    html = client.get(reverse("audit:event_list")).content.decode()
    for value in EventType.values:
        assert f'value="{value}"' in html


def test_pagination(client, users):
    for n in range(60):
        audit_record(actor=users["admin"], event_type=EventType.EXPORT, object_type="report", object_id=n)
    client.force_login(users["auditor"])
    first = client.get(reverse("audit:event_list"))
    assert len(first.context["rows"]) == 50
    assert first.context["page_obj"].paginator.count == AuditEvent.objects.count()
    second = client.get(reverse("audit:event_list"), {"page": 2})
    assert len(second.context["rows"]) == AuditEvent.objects.count() - 50


def test_htmx_request_gets_the_results_fragment(client, users, events):
    client.force_login(users["auditor"])
    response = client.get(reverse("audit:event_list"), {"actor": "admin"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<nav" not in html and "local:close_contact.central_days" in html


def test_event_detail_shows_before_after_and_reason(client, users, events):
    a, b, _c = events
    client.force_login(users["auditor"])
    html = client.get(reverse("audit:event_detail", args=[a.pk])).content.decode()
    assert "市指挥部 2022-12-01 会议" in html and "二十条" in html and "table-warning" in html
    html = client.get(reverse("audit:event_detail", args=[b.pk])).content.decode()
    assert "核对转运名单" in html
    assert client.get(reverse("audit:event_detail", args=[999999])).status_code == 404


def test_system_admin_can_read_the_log(client, users, events):
    client.force_login(users["admin"])
    assert client.get(reverse("audit:event_list")).status_code == 200


def test_a_reason_the_system_wrote_reads_in_the_active_language(client, users):
    """The demo and synthetic data write their reasons as message ids (gettext_noop): the log reads them
    in the page's language, never '演示账号 / demo account'; a reason a user typed stays as typed."""
    system = audit_record(actor=None, event_type=EventType.GRANT_ADDED, object_type="accounts.user", object_id=1, reason="演示账号")
    typed = audit_record(
        actor=users["community"], event_type=EventType.ID_REVEALED, object_type="geo.person", object_id=7, reason="核对转运名单"
    )
    client.force_login(users["auditor"])
    html = client.get(reverse("audit:event_list")).content.decode()
    assert "演示账号" in html and "Demo account" not in html
    client.cookies["django_language"] = "en"
    html = client.get(reverse("audit:event_list")).content.decode()
    assert "Demo account" in html and "核对转运名单" in html
    assert "Demo account" in client.get(reverse("audit:event_detail", args=[system.pk])).content.decode()
    assert "核对转运名单" in client.get(reverse("audit:event_detail", args=[typed.pk])).content.decode()
