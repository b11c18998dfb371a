from django.db import migrations


def load(apps, schema_editor):
    from fangkong.geo.hohhot import DISTRICTS

    District = apps.get_model("geo", "District")
    for code, name, kind, _share, _streets in DISTRICTS:
        District.objects.update_or_create(code=code, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
