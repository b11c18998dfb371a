from django.db import migrations


def load(apps, schema_editor):
    from fangkong.policy.profiles import load_builtin_profiles

    load_builtin_profiles(apps.get_model("policy", "PolicyProfile"), apps.get_model("policy", "PolicyParameter"))


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
