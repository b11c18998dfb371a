"""严管's rule citations stored as every app's are (policy.RuleCitation, decision 0010): the rule a
risk area's step rests on (its 依据) is a citation, once per text, instead of text on each step.
One UPDATE per distinct text; backwards the texts are copied back (rows without one keep '')."""

from django.db import migrations

from fangkong.policy.migrating import citation_field, texts_to_citations

MOVED = [("RiskAreaTransition", "basis", "citation")]


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0008_rule_citations"),
        ("zoning", "0007_area_residents_truncate"),
    ]

    operations = [
        migrations.AddField(model_name="riskareatransition", name="citation", field=citation_field("依据")),
        migrations.RunPython(*texts_to_citations("zoning", MOVED)),
        migrations.RemoveField(model_name="riskareatransition", name="basis"),
    ]
