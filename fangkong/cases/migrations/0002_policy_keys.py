"""The shipped policy profiles gain the keys the 快转 rules read (triage.high_risk_conditions,
triage.icu_classes, discharge.clinical_classes, discharge.clinical_criteria). Re-loading the
shipped profiles is idempotent; local (copied) profiles are left as their administrator made them."""

from django.db import migrations


def load(apps, schema_editor):
    from fangkong.policy.profiles import load_builtin_profiles

    load_builtin_profiles(apps.get_model("policy", "PolicyProfile"), apps.get_model("policy", "PolicyParameter"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("policy", "0002_builtin_profiles")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
