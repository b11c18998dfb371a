"""The demo week keeps the services' rules: nobody on two overlapping shifts, no need over its headcount."""

from __future__ import annotations

from django.db.models import Count, F

from fangkong.volunteers.choices import HOLDING
from fangkong.volunteers.models import Assignment, Need, Volunteer
from fangkong.volunteers.synthetic import volunteers_generate


def test_the_demo_week_keeps_the_rules(city, clock):
    stats = volunteers_generate(seed=7, people=4)
    assert stats.volunteers == Volunteer.objects.count() > 0 and stats.points == 6
    assert stats.sentence.startswith("累计出勤 ")
    from fangkong.volunteers.models import Deployment

    assert stats.deployed == Deployment.objects.count() > 0
    assert Deployment.objects.filter(kind="party_member", at_residence=True, compound__isnull=False).exists()
    over = Need.objects.annotate(n=Count("assignments")).filter(n__gt=F("headcount"))
    assert not over.exists()
    rows = list(Assignment.objects.filter(status__in=HOLDING).values_list("volunteer_id", "starts_at", "ends_at"))
    for i, (v, a, b) in enumerate(rows):
        assert not any(v == w and a < d and c < b for w, c, d in rows[i + 1 :])
    assert all(v.person_id for v in Volunteer.objects.filter(status="approved"))
