"""The day an area's lifting rule was met, kept when the lifting review marks it due (beside
`lift_proposed_at`): 长时间不解封 counts from it (lifting._due_on), so it no longer moves with the
negatives a sealed area's residents give every day. A nullable column, no rewrite of the table.

The areas in force already marked get their mark's day (Beijing), the day the review found them
due; backwards the column goes (the marks stay)."""

from django.db import migrations, models
from django.utils import timezone


def marks_to_days(apps, schema_editor):
    RiskArea = apps.get_model("zoning", "RiskArea")
    marked = RiskArea.objects.filter(status="in_force", lift_proposed_at__isnull=False, lift_due_on__isnull=True)
    rows = [RiskArea(pk=pk, lift_due_on=timezone.localtime(at).date()) for pk, at in marked.values_list("pk", "lift_proposed_at")]
    RiskArea.objects.bulk_update(rows, ["lift_due_on"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("zoning", "0010_area_residents_key_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="riskarea",
            name="lift_due_on",
            field=models.DateField(blank=True, null=True, verbose_name="达到解除条件日期"),
        ),
        migrations.RunPython(marks_to_days, migrations.RunPython.noop),
    ]
