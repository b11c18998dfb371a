"""The demo's supervision: a team with a day of rounds (one missed), and rectifications open, overdue,
waiting for verification and verified (on time and late) — through the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fangkong.core.roles import Role
from fangkong.movement.models import Checkpoint
from fangkong.supervision.choices import RectificationStatus
from fangkong.supervision.models import Rectification
from fangkong.supervision.selectors import day_rounds, overdue_rectifications
from fangkong.supervision.synthetic import demo_exists, supervision_generate
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.models import RiskArea

from ..factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hour", [3, 15])
def test_the_demo_has_a_day_of_rounds_with_one_missed_and_rectifications_at_every_stage(city, users, hour):
    import time_machine

    home = city.home
    places = {"district_id": home.district.pk, "street_id": home.street.pk, "community_id": home.community.pk}
    for name, cls in (("迎宾小区1号楼", AreaClass.SEALED), ("迎宾小区2号楼", AreaClass.SEALED), ("迎宾小区", AreaClass.CONTROLLED)):
        RiskArea.objects.create(name=name, area_class=cls, status=AreaStatus.IN_FORCE, in_force_at=timezone.now(), **places)
    Checkpoint.objects.create(name="金桥收费站卡口", **places)
    supervisor = make_user("supervisor", Role.SUPERVISOR, [("district", home.district)])
    moment = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(hour, 30)))
    with time_machine.travel(moment, tick=False):
        stats = supervision_generate()
        now = timezone.now()
        assert demo_exists() and stats.assignments == 4 and stats.missing == 1
        days = [timezone.localdate() - dt.timedelta(days=1), timezone.localdate()]
        missed = [m for d in days for r in day_rounds(user=supervisor, day=d, now=now) for m in r.missing]
        assert len(missed) == 1 and missed[0].ends_at <= now
        if hour >= 8:  # once a window has ended today, the missed round is today's (the landing panel shows it)
            assert timezone.localtime(missed[0].ends_at).date() == timezone.localdate()
        statuses = dict(Rectification.objects.values_list("finding", "status"))
        assert set(statuses.values()) == {RectificationStatus.OPEN, RectificationStatus.SUBMITTED, RectificationStatus.VERIFIED}
        assert overdue_rectifications(users["district"], now).count() == 1
        verified = Rectification.objects.filter(status=RectificationStatus.VERIFIED)
        assert sorted(r.closed_on_time for r in verified) == [False, True]
        assert all(r.finding_photo for r in Rectification.objects.all())
