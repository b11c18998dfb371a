"""The deadline is policy data: a local profile's editor changes it (and the next report opened
takes the new time); a value that is not four times of day is refused naming the field, unchanged."""

from __future__ import annotations

import pytest

from fangkong.core.errors import DomainError
from fangkong.policy.models import PolicyProfile
from fangkong.policy.services import parameter_change, profile_copy
from fangkong.reports.daily import services

from .conftest import DAY, at

pytestmark = [pytest.mark.django_db]


def test_an_editor_moves_the_deadline_and_a_bad_value_is_refused(clock, city, people):
    active = PolicyProfile.objects.get(is_active=True)
    local = profile_copy(actor=people["admin"], source=active, name="本市", version="1")
    PolicyProfile.objects.update(is_active=False)
    PolicyProfile.objects.filter(pk=local.pk).update(is_active=True)
    param = local.parameters.get(key="command.daily_report_deadline")
    for bad in ("16:00, 17:00", "16:00, 17:00, 18:00, 25:00", "4点, 5点, 6点, 7点"):
        with pytest.raises(DomainError) as exc:
            parameter_change(actor=people["admin"], parameter=param, raw_value=bad, source="本地")
        assert exc.value.field == "value"
        param.refresh_from_db()
        assert param.value == ["16:00", "17:00", "18:00", "19:00"]
    parameter_change(actor=people["admin"], parameter=param, raw_value="15:00, 17:00, 18:00, 19:00", source="市指挥部通知")
    report = services.report_open(actor=people["community"], level="community", place_id=city.home.community.pk, date=DAY, filled={})
    assert report.deadline == at(15)
    report = services.report_submit(actor=people["community"], report=report)  # the clock reads 15:00: not after the deadline
    assert not report.late
