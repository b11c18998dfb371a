"""Each policy citation stored once (RuleCitation) and referenced by id from episodes and scheduled
tests, instead of copied onto every row (decision 0003, section 5).

The data step moves every distinct text into the new table (a handful: one per policy version and
kind) and points the rows at it, one UPDATE per distinct text; backwards, the text is copied back.
"""

import hashlib

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

# (model, old text field, new citation field)
MOVED = [
    ("IsolationEpisode", "isolate_by_rule", "isolate_by_citation"),
    ("IsolationEpisode", "regimen_rules", "regimen_citation"),
    ("ScheduledTest", "rule", "citation"),
]


def texts_to_citations(apps, schema_editor):
    citation_model = apps.get_model("isolation", "RuleCitation")
    for model_name, text_field, citation_field in MOVED:
        model = apps.get_model("isolation", model_name)
        texts = model.objects.exclude(**{text_field: ""}).order_by().values_list(text_field, flat=True).distinct()
        for text in list(texts):
            digest = hashlib.sha256(text.encode()).hexdigest()
            citation, _created = citation_model.objects.get_or_create(digest=digest, defaults={"text": text})
            model.objects.filter(**{text_field: text}).update(**{f"{citation_field}_id": citation.pk})


def citations_to_texts(apps, schema_editor):
    citation_model = apps.get_model("isolation", "RuleCitation")
    for model_name, text_field, citation_field in MOVED:
        model = apps.get_model("isolation", model_name)
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
        to="isolation.rulecitation",
        verbose_name=label,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("isolation", "0004_bulk_tables"),
    ]

    operations = [
        migrations.CreateModel(
            name="RuleCitation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(max_length=64, unique=True, verbose_name="摘要")),
                ("text", models.TextField(verbose_name="依据")),
            ],
            options={
                "verbose_name": "政策依据原文",
            },
        ),
        migrations.AddField(model_name="isolationepisode", name="isolate_by_citation", field=_citation("时限依据")),
        migrations.AddField(model_name="isolationepisode", name="regimen_citation", field=_citation("隔离方案依据")),
        migrations.AddField(model_name="scheduledtest", name="citation", field=_citation("依据")),
        migrations.RunPython(texts_to_citations, citations_to_texts),
        migrations.RemoveField(model_name="isolationepisode", name="isolate_by_rule"),
        migrations.RemoveField(model_name="isolationepisode", name="regimen_rules"),
        migrations.RemoveField(model_name="scheduledtest", name="rule"),
    ]
