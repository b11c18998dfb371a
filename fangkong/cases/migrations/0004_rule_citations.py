"""快转's rule citations stored as every app's are (policy.RuleCitation, decision 0010): once per text,
referenced by id, instead of a text column on each row — a transfer's deadline and triage rules, a
home monitoring's rule and a case test's Ct rule.

Each distinct text becomes one citation and its rows point at it, one UPDATE per text; backwards each
row gets its text again (cut to the old column's 300 characters where it had that limit). The text
columns that could not be empty are made blank-able before they go, so that going back can add them
again to a table with rows ('' first, then the texts).
"""

from django.db import migrations, models

from fangkong.policy.migrating import citation_field, texts_to_citations

MOVED = [
    ("Transfer", "deadline_rule", "deadline_citation"),
    ("Transfer", "triage_rule", "triage_citation"),
    ("HealthMonitoring", "rule", "citation"),
    ("CaseTest", "decided_by", "decision_citation"),
]
LIMITS = {("Transfer", "deadline_rule"): 300, ("HealthMonitoring", "rule"): 300, ("CaseTest", "decided_by"): 300}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_one_result_vocabulary"),
        ("policy", "0008_rule_citations"),
    ]

    operations = [
        migrations.AddField(model_name="transfer", name="deadline_citation", field=citation_field("时限依据")),
        migrations.AddField(model_name="transfer", name="triage_citation", field=citation_field("分诊依据")),
        migrations.AddField(model_name="healthmonitoring", name="citation", field=citation_field("依据")),
        migrations.AddField(model_name="casetest", name="decision_citation", field=citation_field("判定依据")),
        migrations.RunPython(*texts_to_citations("cases", MOVED, LIMITS)),
        migrations.AlterField(
            model_name="transfer", name="deadline_rule", field=models.CharField(blank=True, max_length=300, verbose_name="时限依据")
        ),
        migrations.AlterField(model_name="transfer", name="triage_rule", field=models.TextField(blank=True, verbose_name="分诊依据")),
        migrations.AlterField(
            model_name="healthmonitoring", name="rule", field=models.CharField(blank=True, max_length=300, verbose_name="依据")
        ),
        migrations.RemoveField(model_name="transfer", name="deadline_rule"),
        migrations.RemoveField(model_name="transfer", name="triage_rule"),
        migrations.RemoveField(model_name="healthmonitoring", name="rule"),
        migrations.RemoveField(model_name="casetest", name="decided_by"),
    ]
