"""Helpers for data migrations that give every profile new policy parameters.

Every profile (shipped and local copies) gains the parameters named: a shipped profile takes its
value from fangkong.policy.profiles, a local copy the value of the shipped profile it was copied
from (else the 20 measures'). Existing values are left as they are; going back removes the keys.
Used by policy 0005–0007 and movement 0002 (and any later app adding parameters the same way).

And the step that turns a text column holding a rule citation into a citation column
(`texts_to_citations`, `citation_field`; decision 0010): cases 0004, zoning 0008, livelihood 0011,
isolation 0008, flags 0003."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

DEFAULT_BASE = "twenty-measures"


def add_profile_parameters(apps: Any, keys: Sequence[str]) -> None:
    from fangkong.policy.profiles import PROFILES

    specs = {spec["code"]: spec["parameters"] for spec in PROFILES}
    Profile = apps.get_model("policy", "PolicyProfile")
    Parameter = apps.get_model("policy", "PolicyParameter")
    for profile in Profile.objects.all():
        base = profile
        while base.code not in specs and base.based_on_id:
            base = Profile.objects.get(pk=base.based_on_id)
        params = specs.get(base.code, specs[DEFAULT_BASE])
        for key in keys:
            value, unit, description, source = params[key]
            Parameter.objects.get_or_create(
                profile=profile, key=key, defaults={"value": value, "unit": unit, "description": description, "source": source}
            )


def remove_profile_parameters(apps: Any, keys: Sequence[str]) -> None:
    apps.get_model("policy", "PolicyParameter").objects.filter(key__in=list(keys)).delete()


def profile_parameters(keys: Sequence[str]) -> tuple[Callable[[Any, Any], None], Callable[[Any, Any], None]]:
    """(forward, backward) for `migrations.RunPython`: add `keys` to every profile / remove them."""
    keys = tuple(keys)

    def add(apps: Any, schema_editor: Any) -> None:
        add_profile_parameters(apps, keys)

    def remove(apps: Any, schema_editor: Any) -> None:
        remove_profile_parameters(apps, keys)

    return add, remove


# ---- rule citations: a text column becomes a citation column (policy.RuleCitation, decision 0010) ----


def citation_field(label: str) -> Any:
    """The migration form of `policy.models.citation_column(label)`."""
    from django.db import models

    return models.ForeignKey(
        blank=True,
        db_constraint=False,
        db_index=False,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        to="policy.rulecitation",
        verbose_name=label,
    )


# The vendors whose database runs texts_to_citations as set-based SQL (one INSERT of the new texts and
# one UPDATE … FROM per column); the others take a Python loop, one UPDATE per distinct text.
SET_BASED_VENDORS = frozenset({"postgresql"})


def texts_to_citations(
    app_label: str, moved: Sequence[tuple[str, str, str]], max_lengths: dict[tuple[str, str], int] | None = None
) -> tuple[Callable[[Any, Any], None], Callable[[Any, Any], None]]:
    """(forward, backward) for `migrations.RunPython` over `moved`, (model, text field, citation field)
    triples of `app_label`. Forward: each distinct non-empty text becomes one citation (or finds its
    own, by digest, the SHA-256 hex of its UTF-8) and its rows point at it; new citations are added in
    digest order, column after column. Backward: each cited row gets its text again, cut to
    `max_lengths[(model, text field)]` characters where the old column had a limit; rows without a
    citation keep the column's '' (add the text column back as blank-able: run an AlterField to
    blank=True before the RemoveField).

    PostgreSQL (SET_BASED_VENDORS): per column one INSERT … SELECT DISTINCT of the texts not stored yet
    (digest by sha256() of convert_to(text, 'UTF8')) and one UPDATE … FROM joining the citations by
    digest; backward one UPDATE … FROM by id — each a single scan of the table, not one per distinct
    text. SQLite: one UPDATE per distinct text (forward) or citation (backward). Both give the same
    rows and the same new citation ids (tests/policy/test_migration_rule_citations_apps.py).

    Each direction ends by checking the deferred foreign keys of the rows it wrote: on PostgreSQL a
    row updated twice in one transaction (two columns of one model) leaves their checks pending, and
    the ALTER TABLE after it would refuse the table ("pending trigger events")."""
    import hashlib

    moved = tuple(moved)
    limits = dict(max_lengths or {})

    def forward(apps: Any, schema_editor: Any) -> None:
        Citation = apps.get_model("policy", "RuleCitation")
        set_based = schema_editor.connection.vendor in SET_BASED_VENDORS
        for model_name, text_field, citation_field_name in moved:
            model = apps.get_model(app_label, model_name)
            if set_based:
                _forward_sql(schema_editor, Citation, model, text_field, citation_field_name)
                continue
            texts = model.objects.exclude(**{text_field: ""}).order_by().values_list(text_field, flat=True).distinct()
            digests = sorted((hashlib.sha256(text.encode()).hexdigest(), text) for text in texts)
            for digest, text in digests:
                citation, _created = Citation.objects.get_or_create(digest=digest, defaults={"text": text})
                model.objects.filter(**{text_field: text}).update(**{f"{citation_field_name}_id": citation.pk})
        _checked(apps, schema_editor)

    def backward(apps: Any, schema_editor: Any) -> None:
        Citation = apps.get_model("policy", "RuleCitation")
        set_based = schema_editor.connection.vendor in SET_BASED_VENDORS
        for model_name, text_field, citation_field_name in moved:
            model = apps.get_model(app_label, model_name)
            limit = limits.get((model_name, text_field))
            if set_based:
                _backward_sql(schema_editor, Citation, model, text_field, citation_field_name, limit)
                continue
            column = f"{citation_field_name}_id"
            ids = model.objects.filter(**{f"{column}__isnull": False}).order_by().values_list(column, flat=True).distinct()
            texts = dict(Citation.objects.filter(pk__in=list(ids)).values_list("pk", "text"))
            for pk, text in texts.items():
                model.objects.filter(**{column: pk}).update(**{text_field: text[:limit] if limit else text})
        _checked(apps, schema_editor)

    def _checked(apps: Any, schema_editor: Any) -> None:
        tables = sorted({apps.get_model(app_label, model_name)._meta.db_table for model_name, _t, _c in moved})
        schema_editor.connection.check_constraints(table_names=tables)

    return forward, backward


def _names(schema_editor: Any, Citation: Any, model: Any, text_field: str, citation_field_name: str) -> tuple[str, ...]:
    q = schema_editor.quote_name
    return (
        q(Citation._meta.db_table),
        q(model._meta.db_table),
        q(model._meta.get_field(text_field).column),
        q(model._meta.get_field(citation_field_name).column),
    )


def _forward_sql(schema_editor: Any, Citation: Any, model: Any, text_field: str, citation_field_name: str) -> None:
    """PostgreSQL: the texts not stored yet as citations in one INSERT (in digest order, as the Python
    path adds them; the NOT EXISTS spends no id on a text already stored), then every row of the
    column pointed at its citation in one UPDATE … FROM."""
    citations, table, text, column = _names(schema_editor, Citation, model, text_field, citation_field_name)
    digest = "encode(sha256(convert_to({}, 'UTF8')), 'hex')"
    schema_editor.execute(
        f"INSERT INTO {citations} (digest, text) "
        f"SELECT x.digest, x.text FROM (SELECT DISTINCT {digest.format(f't.{text}')} AS digest, t.{text} AS text "
        f"FROM {table} t WHERE t.{text} <> '') x "
        f"WHERE NOT EXISTS (SELECT 1 FROM {citations} c WHERE c.digest = x.digest) "
        'ORDER BY x.digest COLLATE "C" ON CONFLICT (digest) DO NOTHING',
        params=None,
    )
    schema_editor.execute(  # each distinct text digested once, its rows found by the text
        f"UPDATE {table} t SET {column} = m.id FROM (SELECT c.id, x.text FROM (SELECT DISTINCT {text} AS text FROM {table} "
        f"WHERE {text} <> '') x JOIN {citations} c ON c.digest = {digest.format('x.text')}) m WHERE t.{text} = m.text",
        params=None,
    )


def _backward_sql(schema_editor: Any, Citation: Any, model: Any, text_field: str, citation_field_name: str, limit: int | None) -> None:
    """PostgreSQL: every cited row its citation's text again (its first `limit` characters), one UPDATE … FROM."""
    citations, table, text, column = _names(schema_editor, Citation, model, text_field, citation_field_name)
    value = f"left(c.text, {int(limit)})" if limit else "c.text"
    schema_editor.execute(f"UPDATE {table} t SET {text} = {value} FROM {citations} c WHERE c.id = t.{column}", params=None)
