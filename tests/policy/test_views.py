"""Policy pages: everyone reads; administrators activate, copy and edit local profiles (audited)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.policy.models import PolicyParameter, PolicyProfile
from fangkong.policy.rules import active_profile, rule, rule_value

pytestmark = pytest.mark.django_db


def profile(code: str) -> PolicyProfile:
    return PolicyProfile.objects.get(code=code)


def test_everyone_signed_in_reads_profiles_and_parameters(client, users):
    client.force_login(users["grid"])
    html = client.get(reverse("policy:profile_list")).content.decode()
    for p in PolicyProfile.objects.all():
        assert p.name in html
    assert "当前启用" in html
    twenty = profile("twenty-measures")
    html = client.get(reverse("policy:profile_detail", args=[twenty.pk])).content.decode()
    param = twenty.parameters.get(key="close_contact.central_days")
    assert "close_contact.central_days" in html and param.description in html and "天" in html
    assert "内置版本" in html
    assert "启用此版本" not in html and "复制为本地版本</a>" not in html  # no admin buttons


def test_values_read_as_words_not_codes(client, users):
    """Enum-like values by their labels, booleans 是/否, units in words; no raw code on the page."""
    client.force_login(users["grid"])
    for code, expected, raw in (
        (
            "ninth-edition",
            ["单采单检或 1 户 1 管", "普通型、重型、危重型", "当日", "居家健康监测", "高风险、中风险、低风险", "否", "小时"],
            ["single_or_household", "moderate, severe", "same_day", "home_health_monitoring", "high, medium", ">false<", ">h<"],
        ),
    ):
        html = client.get(reverse("policy:profile_detail", args=[profile(code).pk])).content.decode()
        for text in expected:
            assert f"{text}<" in html, text
        for text in raw:
            assert text not in html, text


def test_local_defaults_ask_only_the_policy_editors_to_confirm_them(client, users):
    """A site worker reads that a value is a local default; only who can change it is asked to confirm
    it. Nobody reads the seed pages' labels or (but the editors) the parameters' keys."""
    twenty = profile("twenty-measures")
    url = reverse("policy:profile_detail", args=[twenty.pk])
    assert twenty.parameters.get(key="regimen.day_one").is_local_default
    client.force_login(users["grid"])
    for html in (client.get(url).content.decode(), client.get(reverse("policy:compare")).content.decode()):
        assert "(seed" not in html and "<code" not in html and "请由城市管理员确认" not in html
    assert "本地默认值" not in client.get(url).content.decode()  # a note for the policy editors only
    client.force_login(users["admin"])
    html = client.get(url).content.decode()
    assert (
        "请由城市管理员确认" in html
        and "本地默认值：来源文件未规定" in html
        and '<code class="small text-muted">regimen.day_one</code>' in html
    )


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(reverse("policy:profile_list")).status_code == 302


def test_compare_shows_the_three_shipped_profiles(client, users):
    client.force_login(users["community"])
    response = client.get(reverse("policy:compare"))
    assert response.status_code == 200
    rows = {r.key: r for r in response.context["rows"]}
    assert [p.code for p in response.context["profiles"]] == ["early-2020", "ninth-edition", "twenty-measures"]
    assert rows["close_contact.central_days"].values == ["14", "7", "5"] and rows["close_contact.central_days"].differs
    assert rows["secondary_contact.traced"].values == ["是", "是", "否"]
    assert not rows["testing.positive_ct_threshold"].differs


def test_activation_switches_the_rules(client, users):
    assert rule_value("close_contact.central_days") == 5
    client.force_login(users["admin"])
    ninth = profile("ninth-edition")
    response = client.post(reverse("policy:profile_activate", args=[ninth.pk]))
    assert response.status_code == 302
    assert active_profile() == ninth
    assert rule_value("close_contact.central_days") == 7
    assert rule("close_contact.central_days").profile_code == "ninth-edition"
    assert PolicyProfile.objects.filter(is_active=True).count() == 1
    event = AuditEvent.objects.get(event_type=EventType.POLICY_ACTIVATED)
    assert event.actor == users["admin"] and event.before == {"active": "twenty-measures"} and event.after == {"active": "ninth-edition"}


def test_activate_is_post_only(client, users):
    client.force_login(users["admin"])
    assert client.get(reverse("policy:profile_activate", args=[profile("ninth-edition").pk])).status_code == 405


def test_copy_then_edit_a_local_profile(client, users):
    client.force_login(users["admin"])
    twenty = profile("twenty-measures")
    assert client.get(reverse("policy:profile_copy", args=[twenty.pk])).status_code == 200
    response = client.post(reverse("policy:profile_copy", args=[twenty.pk]), {"name": "本市优化措施", "version": "2022-12"})
    local = PolicyProfile.objects.get(name="本市优化措施")
    assert response.status_code == 302 and response.url == reverse("policy:profile_detail", args=[local.pk])
    assert not local.is_builtin and not local.is_active and local.based_on == twenty
    assert local.parameters.count() == twenty.parameters.count()
    assert AuditEvent.objects.filter(event_type=EventType.POLICY_COPIED, object_id=str(local.pk)).exists()

    param = local.parameters.get(key="close_contact.central_days")
    url = reverse("policy:parameter_edit", args=[local.pk, param.pk])
    assert client.get(url).status_code == 200
    # a source note is required
    response = client.post(url, {"value": "7", "source": ""})
    assert response.status_code == 200
    param.refresh_from_db()
    assert param.value == 5
    response = client.post(url, {"value": "7", "source": "市指挥部 2022-12-01 第 3 次会议"})
    assert response.status_code == 302
    param.refresh_from_db()
    assert param.value == 7 and param.source == "市指挥部 2022-12-01 第 3 次会议"
    event = AuditEvent.objects.get(event_type=EventType.POLICY_PARAMETER_CHANGED)
    assert event.before["value"] == 5 and event.after["value"] == 7
    # a list parameter keeps its type
    days = local.parameters.get(key="close_contact.central_test_days")
    client.post(reverse("policy:parameter_edit", args=[local.pk, days.pk]), {"value": "1, 2，3, 5, 7", "source": "本地"})
    days.refresh_from_db()
    assert days.value == [1, 2, 3, 5, 7]
    # a bad value is a form error
    response = client.post(url, {"value": "seven", "source": "本地"})
    assert response.status_code == 200 and "整数" in response.content.decode()
    # activating the local profile makes its values the rules
    client.post(reverse("policy:profile_activate", args=[local.pk]))
    assert rule_value("close_contact.central_days") == 7


def test_builtin_profiles_are_read_only(client, users):
    client.force_login(users["admin"])
    twenty = profile("twenty-measures")
    param = twenty.parameters.get(key="close_contact.central_days")
    url = reverse("policy:parameter_edit", args=[twenty.pk, param.pk])
    page = client.get(url).content.decode()
    assert "内置政策版本不可修改" in page and "<textarea" not in page
    response = client.post(url, {"value": "9", "source": "试图修改"}, follow=True)
    assert "内置政策版本不可修改" in response.content.decode()
    param.refresh_from_db()
    assert param.value == 5
    assert not AuditEvent.objects.filter(event_type=EventType.POLICY_PARAMETER_CHANGED).exists()
    detail = client.get(reverse("policy:profile_detail", args=[twenty.pk])).content.decode()
    assert "内置版本" in detail and reverse("policy:parameter_edit", args=[twenty.pk, param.pk]) not in detail


@pytest.mark.parametrize("role", ["command", "community", "auditor", "nogrant"])
def test_non_administrators_are_refused(client, users, role):
    client.force_login(users[role])
    ninth = profile("ninth-edition")
    twenty = profile("twenty-measures")
    param = PolicyParameter.objects.filter(profile=twenty).first()
    assert client.post(reverse("policy:profile_activate", args=[ninth.pk])).status_code == 403
    assert client.get(reverse("policy:profile_copy", args=[twenty.pk])).status_code == 403
    assert client.post(reverse("policy:profile_copy", args=[twenty.pk]), {"name": "x", "version": "1"}).status_code == 403
    assert client.get(reverse("policy:parameter_edit", args=[twenty.pk, param.pk])).status_code == 403
    assert client.post(reverse("policy:parameter_edit", args=[twenty.pk, param.pk]), {"value": "1", "source": "x"}).status_code == 403
    assert active_profile().code == "twenty-measures"
    assert PolicyProfile.objects.count() == 3
    assert not AuditEvent.objects.filter(event_type__startswith="policy.").exists()


def test_parameter_of_another_profile_is_404(client, users):
    client.force_login(users["admin"])
    twenty, ninth = profile("twenty-measures"), profile("ninth-edition")
    param = ninth.parameters.first()
    assert client.get(reverse("policy:parameter_edit", args=[twenty.pk, param.pk])).status_code == 404
