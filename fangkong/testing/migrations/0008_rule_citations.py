"""快检's rule citations stored as every app's are (policy.RuleCitation, decision 0010): once per text,
referenced by id, instead of a text column on each row (a lab result's threshold on every one of a
round's millions of results).

The data step moves every distinct text into the citations table (a handful: one per policy version
and rule) and points the rows at it, one UPDATE per distinct text; backwards, the text is copied back.
ConfirmedPositive.decided_by is made blank-able before it goes, so that going back can add it again
to a table with rows ('' first, then the texts).
"""

import hashlib

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

# (model, old text field, new citation field)
MOVED = [
    ("TestingRound", "deadline_rule", "deadline_citation"),
    ("RoundArea", "pooling_rule", "pooling_citation"),
    ("DoorSamplingTask", "pooling_rule", "pooling_citation"),
    ("TubeResult", "decided_by", "decision_citation"),
    ("ConfirmedPositive", "decided_by", "decision_citation"),
    ("ResultUpload", "decided_by", "decision_citation"),
]


def texts_to_citations(apps, schema_editor):
    citation_model = apps.get_model("policy", "RuleCitation")
    for model_name, text_field, citation_field in MOVED:
        model = apps.get_model("testing", model_name)
        texts = model.objects.exclude(**{text_field: ""}).order_by().values_list(text_field, flat=True).distinct()
        for text in list(texts):
            digest = hashlib.sha256(text.encode()).hexdigest()
            citation, _created = citation_model.objects.get_or_create(digest=digest, defaults={"text": text})
            model.objects.filter(**{text_field: text}).update(**{f"{citation_field}_id": citation.pk})


def citations_to_texts(apps, schema_editor):
    citation_model = apps.get_model("policy", "RuleCitation")
    for model_name, text_field, citation_field in MOVED:
        model = apps.get_model("testing", model_name)
        text = citation_model.objects.filter(pk=OuterRef(f"{citation_field}_id")).values("text")[:1]
        model.objects.filter(**{f"{citation_field}__isnull": False}).update(**{text_field: Coalesce(Subquery(text), Value(""))})


def _citation(label):
    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="policy.rulecitation",
        verbose_name=label,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0008_rule_citations"),
        ("testing", "0007_door_sampling_tasks"),
    ]

    operations = [
        migrations.AddField(model_name="testinground", name="deadline_citation", field=_citation("时限依据")),
        migrations.AddField(model_name="roundarea", name="pooling_citation", field=_citation("采样方式依据")),
        migrations.AddField(model_name="doorsamplingtask", name="pooling_citation", field=_citation("采样方式依据")),
        migrations.AddField(model_name="tuberesult", name="decision_citation", field=_citation("判定依据")),
        migrations.AddField(model_name="confirmedpositive", name="decision_citation", field=_citation("判定依据")),
        migrations.AddField(model_name="resultupload", name="decision_citation", field=_citation("判定依据")),
        migrations.RunPython(texts_to_citations, citations_to_texts),
        migrations.AlterField(
            model_name="confirmedpositive", name="decided_by", field=models.TextField(blank=True, verbose_name="判定依据")
        ),
        migrations.RemoveField(model_name="testinground", name="deadline_rule"),
        migrations.RemoveField(model_name="roundarea", name="pooling_rule"),
        migrations.RemoveField(model_name="doorsamplingtask", name="pooling_rule"),
        migrations.RemoveField(model_name="tuberesult", name="decided_by"),
        migrations.RemoveField(model_name="confirmedpositive", name="decided_by"),
        migrations.RemoveField(model_name="resultupload", name="decided_by"),
    ]
