"""Every profile (shipped and local copies) gains data.upload_retention_days: how many days uploaded
import and lab files and their error reports are kept (30, a local default for the city to confirm).
Existing values are left as they are."""

from django.db import migrations


def add(apps, schema_editor):
    from fangkong.policy.profiles import COMMON

    value, unit, description, source = COMMON["data.upload_retention_days"]
    Profile = apps.get_model("policy", "PolicyProfile")
    Parameter = apps.get_model("policy", "PolicyParameter")
    for profile in Profile.objects.all():
        Parameter.objects.get_or_create(
            profile=profile,
            key="data.upload_retention_days",
            defaults={"value": value, "unit": unit, "description": description, "source": source},
        )


def remove(apps, schema_editor):
    apps.get_model("policy", "PolicyParameter").objects.filter(key="data.upload_retention_days").delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0002_builtin_profiles")]
    operations = [migrations.RunPython(add, remove)]
