"""The home check's "有异常" follows the policy's fever line (geo.vitals), not a hard-coded 37.3, and
takes a temperature typed as the other paths take it ("37.4℃")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fangkong.policy.models import PolicyParameter

from .pages import HTMX, as_user, handed_over

pytestmark = pytest.mark.django_db


def test_the_home_check_warns_at_the_policys_fever_line_not_at_37_3(client, setup, users, profile):
    PolicyParameter.objects.filter(profile=profile, key="movement.fever_celsius").update(value=37.5)
    e = handed_over(users["command"], users["community"], setup.family[0], setup.site, "401")
    c = as_user(client, users["community"])
    c.post(reverse("isolation:home_start", args=[e.pk]), **HTMX)
    answer = c.post(reverse("isolation:home_check", args=[e.pk]), {f"c{e.pk}-at_home": "on", f"c{e.pk}-temperature": "37.4℃"})
    assert answer.status_code in (200, 302)
    shown = c.get(reverse("isolation:home_list")).content.decode() if answer.status_code == 302 else answer.content.decode()
    assert "今日核查已登记" in shown and "有异常" not in shown
    assert e.home_checks.get().temperature == Decimal("37.4")
