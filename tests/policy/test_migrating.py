"""The one helper policy 0005 and movement 0002 share (fangkong.policy.migrating): every profile gains
the keys, a local copy the value of the shipped profile it was copied from, existing values kept."""

from __future__ import annotations

import pytest
from django.apps import apps

from fangkong.policy.migrating import add_profile_parameters, profile_parameters
from fangkong.policy.models import PolicyParameter, PolicyProfile

KEYS = ("movement.departure_barred_classes", "risk.lift_overdue_days")

pytestmark = pytest.mark.django_db


def test_every_profile_gains_the_keys_a_copy_from_its_base_and_existing_values_stay():
    ninth = PolicyProfile.objects.get(code="ninth-edition")
    copy = PolicyProfile.objects.create(code="local-ninth", name="本地", version="1", based_on=ninth)
    orphan = PolicyProfile.objects.create(code="local-orphan", name="本地2", version="1")
    PolicyParameter.objects.filter(key__in=KEYS).delete()
    PolicyParameter.objects.create(profile=ninth, key="risk.lift_overdue_days", value=99, unit="d", description="x", source="y")

    add_profile_parameters(apps, KEYS)

    value = lambda profile, key: PolicyParameter.objects.get(profile=profile, key=key).value  # noqa: E731
    assert value(ninth, "movement.departure_barred_classes") == ["sealed", "controlled"]
    assert value(copy, "movement.departure_barred_classes") == ["sealed", "controlled"]  # its base's, not the default's
    assert value(orphan, "movement.departure_barred_classes") == ["sealed"]  # the 20 measures'
    assert value(ninth, "risk.lift_overdue_days") == 99  # kept
    assert PolicyParameter.objects.filter(key__in=KEYS).count() == 2 * PolicyProfile.objects.count()
    add_profile_parameters(apps, KEYS)  # twice: nothing more
    assert PolicyParameter.objects.filter(key__in=KEYS).count() == 2 * PolicyProfile.objects.count()

    _, remove = profile_parameters(KEYS)
    remove(apps, None)
    assert not PolicyParameter.objects.filter(key__in=KEYS).exists()


def test_both_migrations_use_the_one_helper():
    from importlib import import_module

    for name in ("fangkong.policy.migrations.0005_risk_area_parameters", "fangkong.movement.migrations.0002_movement_policy_parameters"):
        module = import_module(name)
        assert module.add.__module__ == "fangkong.policy.migrating"
