"""Home health monitoring for community workers: their residents only, the day of the regimen, tests
recorded (a positive reopens care at once), monitoring ended when its days are over — earlier is
refused naming the rule; htmx swaps the card, plain POSTs redirect; roles and scope."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from fangkong.cases.choices import CaseStatus, MonitoringStatus, TransferReason
from fangkong.cases.models import Case, HealthMonitoring
from fangkong.core.roles import Role

from ..factories import make_user
from .factories import board_transfer
from .pages import HTMX, as_user, scene_fixture  # noqa: F401  (a fixture)

LIST = reverse("cases:monitoring_list")


def url(name: str, m) -> str:
    return reverse(f"cases:{name}", args=[m.pk])


def sampled(hours_ago: float = 2) -> str:
    return timezone.localtime(timezone.now() - dt.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def test_a_community_worker_sees_their_residents_in_home_monitoring(client, scene, users, city):
    response = as_user(client, users["community"]).get(LIST)
    (item,) = response.context["items"]
    assert item.m.case == scene.discharged and item.form is not None
    content = response.content.decode()
    assert scene.discharged.person.id_masked in content and f'id="monitoring-{item.m.pk}"' in content
    other = make_user("other_community", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    assert as_user(client, other).get(LIST).context["items"] == []
    district = as_user(client, users["district"]).get(LIST)
    assert len(district.context["items"]) == 1 and district.context["items"][0].form is None  # sees, may not act


def test_a_negative_test_is_recorded_in_place(client, scene, users):
    m = HealthMonitoring.objects.get(case=scene.discharged)
    response = as_user(client, users["community"]).post(
        url("monitoring_test", m), {f"m{m.pk}-sampled_at": sampled(), f"m{m.pk}-result": "negative"}, **HTMX
    )
    content = response.content.decode()
    assert response.status_code == 200 and "已登记" in content and "data-tests" in content
    assert m.tests.count() == 1


def test_a_positive_during_monitoring_reopens_care(client, scene, users):
    m = HealthMonitoring.objects.get(case=scene.discharged)
    data = {f"m{m.pk}-sampled_at": sampled(), f"m{m.pk}-ct_orf1ab": "28", f"m{m.pk}-ct_n": "30"}
    response = as_user(client, users["community"]).post(url("monitoring_test", m), data, follow=True)
    assert "已转为再收治" in response.content.decode()
    m.refresh_from_db()
    assert m.status == MonitoringStatus.REOPENED
    assert Case.objects.get(pk=scene.discharged.pk).status == CaseStatus.OPEN
    assert board_transfer(scene.discharged).reason == TransferReason.REOPENED


def test_monitoring_ends_only_when_its_days_are_over(client, scene, users):
    m = HealthMonitoring.objects.get(case=scene.discharged)
    HealthMonitoring.objects.filter(pk=m.pk).update(ends_at=timezone.now() + dt.timedelta(days=2))
    c = as_user(client, users["community"])
    response = c.post(url("monitoring_complete", m), **HTMX)
    content = response.content.decode()
    refusal = content.split("data-refused>")[1].split("</div>")[0]
    assert response.status_code == 422 and "未到期不能解除" in refusal
    assert "依据" in refusal and "discharge.home_monitoring_days" in refusal  # the policy rule, cited
    HealthMonitoring.objects.filter(pk=m.pk).update(ends_at=timezone.now() - dt.timedelta(hours=1))
    response = c.post(url("monitoring_complete", m), follow=True)
    assert "已解除居家健康监测" in response.content.decode()
    assert Case.objects.get(pk=scene.discharged.pk).status == CaseStatus.CLOSED
    assert as_user(client, users["community"]).get(LIST, {"all": "1"}).context["items"][0].m.status == MonitoringStatus.COMPLETED


def test_bad_input_is_named_on_its_field(client, scene, users):
    m = HealthMonitoring.objects.get(case=scene.discharged)
    response = as_user(client, users["community"]).post(url("monitoring_test", m), {f"m{m.pk}-sampled_at": sampled()}, **HTMX)
    assert response.status_code == 422 and "请填写检测结果或 Ct 值" in response.content.decode()
    assert m.tests.count() == 0


def test_only_community_workers_act_and_only_on_their_residents(client, scene, users, city, wards):
    m = HealthMonitoring.objects.get(case=scene.discharged)
    data = {f"m{m.pk}-sampled_at": sampled(), f"m{m.pk}-result": "negative"}
    assert as_user(client, users["district"]).post(url("monitoring_test", m), data).status_code == 403
    assert as_user(client, wards.fangcang_user).post(url("monitoring_complete", m)).status_code == 403
    other = make_user("other_community", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    assert as_user(client, other).post(url("monitoring_test", m), data).status_code == 404
    assert m.tests.count() == 0
