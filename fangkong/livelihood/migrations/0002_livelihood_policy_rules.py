"""Every policy profile (shipped and local copies) gains the parameters of 民生保障: the deadline of a
resident's request per kind (livelihood.request_deadline_hours) and the one-off voucher of seed 003
(voucher.amount, voucher.hukou_prefix, voucher.age_reference_date, voucher.rules), each with its
citation. Values already set are left as they are."""

from django.db import migrations

KEYS = (
    "livelihood.request_deadline_hours",
    "voucher.amount",
    "voucher.hukou_prefix",
    "voucher.age_reference_date",
    "voucher.rules",
)


def add(apps, schema_editor):
    from fangkong.policy.profiles import COMMON

    Profile = apps.get_model("policy", "PolicyProfile")
    Parameter = apps.get_model("policy", "PolicyParameter")
    for profile in Profile.objects.all():
        for key in KEYS:
            value, unit, description, source = COMMON[key]
            Parameter.objects.get_or_create(
                profile=profile, key=key, defaults={"value": value, "unit": unit, "description": description, "source": source}
            )


def remove(apps, schema_editor):
    apps.get_model("policy", "PolicyParameter").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("livelihood", "0001_initial"), ("policy", "0005_risk_area_parameters")]
    operations = [migrations.RunPython(add, remove)]
