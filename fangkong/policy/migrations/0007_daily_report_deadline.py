"""Every profile (shipped and local copies) gains command.daily_report_deadline, the 日报制度's
submission deadlines (Beijing time) for community, street, district and the city's command, in that
order: a report submitted later is marked late, a unit that has not submitted is listed for the level
above. The sources set no hour (local defaults); the duty is seed 004's 实行日报制度. Existing
values are left as they are."""

from django.db import migrations

from fangkong.policy.migrating import profile_parameters

add, remove = profile_parameters(["command.daily_report_deadline"])


class Migration(migrations.Migration):
    dependencies = [("policy", "0006_command_escalation_hours")]
    operations = [migrations.RunPython(add, remove)]
