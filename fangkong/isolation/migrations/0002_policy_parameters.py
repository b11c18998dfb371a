"""Databases made before the 快隔 app lack the policy keys it reads (inbound.central_test_days …):
add every shipped parameter a built-in profile is missing, leaving existing values alone."""

from django.db import migrations


def add_missing(apps, schema_editor):
    from fangkong.policy.profiles import PROFILES

    profile_model = apps.get_model("policy", "PolicyProfile")
    parameter_model = apps.get_model("policy", "PolicyParameter")
    for spec in PROFILES:
        profile = profile_model.objects.filter(code=spec["code"], is_builtin=True).first()
        if profile is None:
            continue
        have = set(parameter_model.objects.filter(profile=profile).values_list("key", flat=True))
        parameter_model.objects.bulk_create(
            parameter_model(profile=profile, key=key, value=value, unit=unit, description=description, source=source)
            for key, (value, unit, description, source) in spec["parameters"].items()
            if key not in have
        )


class Migration(migrations.Migration):
    dependencies = [("isolation", "0001_initial"), ("policy", "0002_builtin_profiles")]
    operations = [migrations.RunPython(add_missing, migrations.RunPython.noop)]
