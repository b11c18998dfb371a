"""民生's rule citations stored as every app's are (policy.RuleCitation, decision 0010): a support
request's deadline rule and a voucher programme's eligibility citations are citations, once per
text, instead of text on each row. One UPDATE per distinct text; backwards the texts are copied back
(the deadline's cut to its old 300 characters; rows without one keep '')."""

from django.db import migrations

from fangkong.policy.migrating import citation_field, texts_to_citations

MOVED = [
    ("SupportRequest", "deadline_basis", "deadline_citation"),
    ("VoucherProgramme", "basis", "citation"),
]
LIMITS = {("SupportRequest", "deadline_basis"): 300}


class Migration(migrations.Migration):
    dependencies = [
        ("livelihood", "0010_ledger_page_index"),
        ("policy", "0008_rule_citations"),
    ]

    operations = [
        migrations.AddField(model_name="supportrequest", name="deadline_citation", field=citation_field("时限依据")),
        migrations.AddField(model_name="voucherprogramme", name="citation", field=citation_field("依据")),
        migrations.RunPython(*texts_to_citations("livelihood", MOVED, LIMITS)),
        migrations.RemoveField(model_name="supportrequest", name="deadline_basis"),
        migrations.RemoveField(model_name="voucherprogramme", name="basis"),
    ]
