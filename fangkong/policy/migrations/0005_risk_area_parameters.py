"""Every profile (shipped and local copies) gains the risk-area parameters of the 严管 module:
risk.area_unit (the largest unit an area other than a high-risk one may be declared at without a
written justification), risk.high_lift_screening_days (the screening that must be negative for
everyone before a high-risk area is lifted: within its last N days) and risk.lift_overdue_days (how
long an area may stay in force after it is due to be lifted before it is flagged). A local copy
takes the value of the shipped profile it was copied from (else the 20 measures'). Existing values
are left as they are."""

from django.db import migrations

from fangkong.policy.migrating import profile_parameters

KEYS = ("risk.area_unit", "risk.high_lift_screening_days", "risk.lift_overdue_days")


add, remove = profile_parameters(KEYS)


class Migration(migrations.Migration):
    dependencies = [("policy", "0004_sources_without_seed_labels")]
    operations = [migrations.RunPython(add, remove)]
