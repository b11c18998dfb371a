"""Writes made in the admin leave audit events too."""

from django.urls import reverse

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent


def test_admin_edit_of_a_place_is_audited(client, city, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pass-word-1")
    client.force_login(root)
    street = city.home.street
    url = reverse("admin:geo_street_change", args=[street.pk])
    response = client.post(url, {"district": street.district_id, "name": "中山东路街道办事处", "kind": street.kind})
    assert response.status_code == 302
    event = AuditEvent.objects.get(event_type=EventType.ADMIN_CHANGED, object_type="geo.street")
    assert event.before == {"name": "中山东路街道"} and event.after == {"name": "中山东路街道办事处"}
    assert event.actor == root


def test_admin_role_change_is_audited_without_secrets(client, users, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="pass-word-1")
    client.force_login(root)
    target = users["grid"]
    url = reverse("admin:accounts_user_change", args=[target.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, tuple))}
    data.update({"username": target.username, "role": "community_worker", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    data.update({"grants-TOTAL_FORMS": "0", "grants-INITIAL_FORMS": "0", "grants-MIN_NUM_FORMS": "0", "grants-MAX_NUM_FORMS": "1000"})
    data.pop("password", None)
    data.pop("last_login", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(event_type=EventType.ADMIN_CHANGED, object_type="accounts.user").latest("id")
    assert event.after["role"] == "community_worker" and event.before["role"] == "grid_worker"
    assert "pbkdf2" not in str(event.before) + str(event.after)
