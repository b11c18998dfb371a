"""Every profile (shipped and local copies) gains the risk-area parameters of the 严管 module:
risk.area_unit (the largest unit an area other than a high-risk one may be declared at without a
written justification), risk.high_lift_screening_days (the screening that must be negative for
everyone before a high-risk area is lifted: within its last N days) and risk.lift_overdue_days (how
long an area may stay in force after it is due to be lifted before it is flagged). A local copy
takes the value of the shipped profile it was copied from (else the 20 measures'). Existing values
are left as they are."""

from django.db import migrations

KEYS = ("risk.area_unit", "risk.high_lift_screening_days", "risk.lift_overdue_days")


def add(apps, schema_editor):
    from fangkong.policy.profiles import PROFILES

    specs = {spec["code"]: spec["parameters"] for spec in PROFILES}
    Profile = apps.get_model("policy", "PolicyProfile")
    Parameter = apps.get_model("policy", "PolicyParameter")
    for profile in Profile.objects.all():
        base = profile
        while base.code not in specs and base.based_on_id:
            base = Profile.objects.get(pk=base.based_on_id)
        params = specs.get(base.code, specs["twenty-measures"])
        for key in KEYS:
            value, unit, description, source = params[key]
            Parameter.objects.get_or_create(
                profile=profile, key=key, defaults={"value": value, "unit": unit, "description": description, "source": source}
            )


def remove(apps, schema_editor):
    apps.get_model("policy", "PolicyParameter").objects.filter(key__in=KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0004_sources_without_seed_labels")]
    operations = [migrations.RunPython(add, remove)]
