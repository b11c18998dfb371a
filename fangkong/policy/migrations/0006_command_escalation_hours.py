"""Every profile (shipped and local copies) gains command.escalation_hours, the 三快一严 board's
escalation threshold: an item still late this many hours past its deadline is raised to the level
above its owner (community → street → district → command), once more for each further period. The
sources set no number (a local default, 6 h); the duty is the seeds' 守土担责 and 第一时间整改到位.
Existing values are left as they are."""

from django.db import migrations

from fangkong.policy.migrating import profile_parameters

add, remove = profile_parameters(["command.escalation_hours"])


class Migration(migrations.Migration):
    dependencies = [("policy", "0005_risk_area_parameters")]
    operations = [migrations.RunPython(add, remove)]
