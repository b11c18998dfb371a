"""Every profile (shipped and local copies) gains command.daily_report_deadline, the 日报制度's
submission deadlines (Beijing time) for community, street, district and the city's command, in that
order: a report submitted later is marked late, a unit that has not submitted is listed for the level
above. The sources set no hour (local defaults); the duty is seed 004's 实行日报制度. Existing
values are left as they are."""

from django.db import migrations

KEY = "command.daily_report_deadline"


def add(apps, schema_editor):
    from fangkong.policy.profiles import COMMON

    value, unit, description, source = COMMON[KEY]
    Profile = apps.get_model("policy", "PolicyProfile")
    Parameter = apps.get_model("policy", "PolicyParameter")
    for profile in Profile.objects.all():
        Parameter.objects.get_or_create(
            profile=profile, key=KEY, defaults={"value": value, "unit": unit, "description": description, "source": source}
        )


def remove(apps, schema_editor):
    apps.get_model("policy", "PolicyParameter").objects.filter(key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0006_command_escalation_hours")]
    operations = [migrations.RunPython(add, remove)]
