"""Every profile (shipped and local copies) gains the policy parameters of orderly movement:
movement.departure_barred_classes (the risk-area classes whose residents may not leave: 高风险区, and
中风险区 under the 9th edition), movement.pass_max_hours (一车一事一证: a pass is for one trip) and
movement.trunk_road_closure_needs_approval (a checkpoint closing a highway or a trunk road needs
approval) and movement.fever_celsius (a traveller of a point-to-point batch at or above it
does not board), each with its citation (fangkong.policy.profiles). A local copy takes the value of the
shipped profile it was copied from (else the 20 measures'). Existing values are left as they are.
The 48-hour window of a negative before leaving is the existing travel.leaving_negative_hours."""

from django.db import migrations

from fangkong.policy.migrating import profile_parameters

KEYS = (
    "movement.departure_barred_classes",
    "movement.pass_max_hours",
    "movement.trunk_road_closure_needs_approval",
    "movement.fever_celsius",
)


add, remove = profile_parameters(KEYS)


class Migration(migrations.Migration):
    dependencies = [("movement", "0001_initial"), ("policy", "0005_risk_area_parameters")]
    operations = [migrations.RunPython(add, remove)]
