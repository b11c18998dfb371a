"""快隔's last two text citations stored as its others are (policy.RuleCitation, decision 0010): a
release order's rule (the episode's regimen rules) and an inbound arrival's second-quarantine rule.

One UPDATE per distinct text; backwards the texts are copied back. Both text columns could not be
empty: they are made blank-able before they go, so that going back can add them again to a table
with rows ('' first, then the texts)."""

from django.db import migrations, models

from fangkong.policy.migrating import citation_field, texts_to_citations

MOVED = [
    ("ReleaseOrder", "rule", "citation"),
    ("InboundArrival", "second_quarantine_rule", "second_quarantine_citation"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("isolation", "0007_rule_citations_in_policy"),
        ("policy", "0008_rule_citations"),
    ]

    operations = [
        migrations.AddField(model_name="releaseorder", name="citation", field=citation_field("依据")),
        migrations.AddField(model_name="inboundarrival", name="second_quarantine_citation", field=citation_field("依据")),
        migrations.RunPython(*texts_to_citations("isolation", MOVED)),
        migrations.AlterField(model_name="releaseorder", name="rule", field=models.TextField(blank=True, verbose_name="依据")),
        migrations.AlterField(
            model_name="inboundarrival", name="second_quarantine_rule", field=models.TextField(blank=True, verbose_name="依据")
        ),
        migrations.RemoveField(model_name="releaseorder", name="rule"),
        migrations.RemoveField(model_name="inboundarrival", name="second_quarantine_rule"),
    ]
