"""A flag's 依据 stored as every app's rule citations are (policy.RuleCitation, decision 0010): once
per text — one per rule, the same on each of its flags — instead of the text on every flag. One UPDATE
per distinct text; backwards the texts are copied back (a flag without one keeps '')."""

from django.db import migrations

from fangkong.policy.migrating import citation_field, texts_to_citations

MOVED = [("Flag", "citation", "rule_citation")]


class Migration(migrations.Migration):
    dependencies = [
        ("flags", "0002_flag_evidence_digest"),
        ("policy", "0008_rule_citations"),
    ]

    operations = [
        migrations.AddField(model_name="flag", name="rule_citation", field=citation_field("依据")),
        migrations.RunPython(*texts_to_citations("flags", MOVED)),
        migrations.RemoveField(model_name="flag", name="citation"),
    ]
