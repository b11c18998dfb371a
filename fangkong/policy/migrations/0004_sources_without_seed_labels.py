"""The sources of the policy parameters as users read them: without the seed pages' labels ("(seed 000)",
an internal reference), and a local default says so without asking everyone to have it confirmed
(the policy pages ask its editors). Local copies of the shipped profiles are rewritten the same way."""

from django.db import migrations

REWRITES = (
    (" (seed 000)", ""),
    (" (seed 002)", ""),
    ("本地默认值：来源文件未规定，请由城市管理员确认", "本地默认值：来源文件未规定"),
)


def rewrite(apps, schema_editor):
    for model in ("PolicyParameter", "PolicyProfile"):
        rows = list(apps.get_model("policy", model).objects.all())
        changed = []
        for row in rows:
            source = row.source
            for old, new in REWRITES:
                source = source.replace(old, new)
            if source != row.source:
                row.source = source
                changed.append(row)
        apps.get_model("policy", model).objects.bulk_update(changed, ["source"])


class Migration(migrations.Migration):
    dependencies = [("policy", "0003_data_upload_retention_days")]
    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
