"""Rule citations are the platform's (policy.RuleCitation, decision 0010): 快检 stores its citations
the same way as 快隔, and 快检 may not import 快隔.

The citations move table: policy.0008 creates the new one empty, and this copies every row with its
id, so the episodes and scheduled tests need no rewrite (the citation columns keep no database
constraint, so pointing them at the new model changes no column). Should the new table hold rows
already, each text is matched by its digest and the columns repointed in one UPDATE each. Backwards,
the rows are copied back with their ids.
"""

import django.db.models.deletion
from django.core.management.color import no_style
from django.db import migrations, models
from django.db.models import Case, Value, When

# (model, citation column)
CITING = [("IsolationEpisode", "isolate_by_citation"), ("IsolationEpisode", "regimen_citation"), ("ScheduledTest", "citation")]


def _copy(schema_editor, source, target) -> dict[int, int]:
    """Every row of `source` in `target`: with its id when `target` is empty (and the id sequence moved
    past them), else matched by digest. Returns the ids that changed, old → new."""
    rows = list(source.objects.order_by("pk").values_list("pk", "digest", "text"))
    if not target.objects.exists():
        target.objects.bulk_create([target(pk=pk, digest=digest, text=text) for pk, digest, text in rows])
        for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [target]):
            schema_editor.execute(sql)
        return {}
    moved = {}
    for pk, digest, text in rows:
        new_pk = target.objects.get_or_create(digest=digest, defaults={"text": text})[0].pk
        if new_pk != pk:
            moved[pk] = new_pk
    return moved


def _repoint(apps, moved: dict[int, int]) -> None:
    for model_name, column in CITING:
        model = apps.get_model("isolation", model_name)
        attname = f"{column}_id"
        model.objects.filter(**{f"{attname}__in": list(moved)}).update(
            **{attname: Case(*(When(**{attname: old}, then=Value(new)) for old, new in moved.items()))}
        )


def to_policy(apps, schema_editor):
    moved = _copy(schema_editor, apps.get_model("isolation", "RuleCitation"), apps.get_model("policy", "RuleCitation"))
    if moved:
        _repoint(apps, moved)


def to_isolation(apps, schema_editor):
    # The isolation table was just created again, empty: the ids are kept.
    _copy(schema_editor, apps.get_model("policy", "RuleCitation"), apps.get_model("isolation", "RuleCitation"))


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
        ("isolation", "0006_episode_checked_in_index"),
        ("policy", "0008_rule_citations"),
    ]
    # 快检's citations go into the new table after 快隔's have kept their ids.
    run_before = [("testing", "0008_rule_citations")]

    operations = [
        migrations.RunPython(to_policy, to_isolation),
        migrations.AlterField(model_name="isolationepisode", name="regimen_citation", field=_citation("隔离方案依据")),
        migrations.AlterField(model_name="isolationepisode", name="isolate_by_citation", field=_citation("时限依据")),
        migrations.AlterField(model_name="scheduledtest", name="citation", field=_citation("依据")),
        migrations.DeleteModel(name="RuleCitation"),
    ]
