"""Policy profiles: the rules a regulation sets, as versioned data with their sources.

A profile is a named, versioned set of parameters. Shipped profiles are read-only; an
administrator makes a local profile by copying one and changing values. Exactly one profile is
active; code reads rules only through fangkong.policy.rules.

A rule as cited on a row (a deadline's rule, a pooling mode's, a result's threshold, a regimen's) is
stored once, as a RuleCitation, and every app's rows point at it through a citation column
(`citation_column`), read and written as text through `cited_text` (decisions 0003 §5 and 0010).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyProfile(models.Model):
    code = models.SlugField(_("代码"), max_length=48, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    version = models.CharField(_("版本"), max_length=32)
    effective_from = models.DateField(_("施行日期"), null=True, blank=True)
    source = models.TextField(_("依据"), blank=True)
    is_builtin = models.BooleanField(_("内置"), default=False)
    is_active = models.BooleanField(_("当前启用"), default=False)
    based_on = models.ForeignKey("self", verbose_name=_("复制自"), null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["effective_from", "code"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=models.Q(is_active=True), name="one_active_policy_profile"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class PolicyParameter(models.Model):
    """One rule's value, with its unit and the document it comes from."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE, related_name="parameters")
    key = models.CharField(_("参数"), max_length=64)
    value = models.JSONField(_("取值"))
    unit = models.CharField(_("单位"), max_length=32, blank=True)
    source = models.TextField(_("依据"), blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["profile", "key"], name="policy_parameter_unique")]

    def __str__(self) -> str:
        return f"{self.key}={self.value}{self.unit}"

    @property
    def is_local_default(self) -> bool:
        """Set by the city where the source documents are silent: for its policy editors to confirm."""
        from .profiles import LOCAL

        return LOCAL in self.source


class RuleCitation(models.Model):
    """One policy citation text (a regimen's rules, a deadline's rule, a pooling mode's, a result's
    threshold), stored once for every app.

    Every episode of a policy version cites the same text, and so does every scheduled test of a kind
    and every lab result under one threshold: the tables point here instead of copying ~1.4 kB onto
    each of 400,000 episodes or a rule onto each of millions of results (decision 0003, section 5).
    Rows are never changed or deleted; a new text is a new row, found again by its SHA-256."""

    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    text = models.TextField(_("依据"))

    class Meta:
        verbose_name = _("政策依据原文")

    def __str__(self) -> str:
        return self.text[:60]

    @staticmethod
    def digest_of(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    @classmethod
    def ids_for(cls, texts: Iterable[str]) -> dict[str, int]:
        """text → id for every non-empty text, adding the ones not stored yet: one SELECT when all
        are there, an INSERT … ON CONFLICT DO NOTHING and a second SELECT when some are new (two
        writers adding the same text at once both end up with the one row)."""
        by_digest = {cls.digest_of(t): t for t in set(texts) if t}
        if not by_digest:
            return {}
        found = dict(cls.objects.filter(digest__in=list(by_digest)).values_list("digest", "pk"))
        missing = [cls(digest=d, text=t) for d, t in by_digest.items() if d not in found]
        if missing:
            cls.objects.bulk_create(missing, ignore_conflicts=True)
            found = dict(cls.objects.filter(digest__in=list(by_digest)).values_list("digest", "pk"))
        return {t: found[d] for d, t in by_digest.items()}

    @classmethod
    def stored(cls, texts: Iterable[str]) -> dict[str, RuleCitation]:
        """text → its stored citation, as ids_for, as instances to assign to a citation column."""
        return {t: cls(pk=pk, digest=cls.digest_of(t), text=t) for t, pk in cls.ids_for(texts).items()}

    @classmethod
    def for_text(cls, text: str) -> RuleCitation | None:
        """The stored citation of `text` (None for an empty text)."""
        return cls.stored([text]).get(text)


def citation_column(label: str) -> models.ForeignKey:
    """A citation column: the id of a RuleCitation, no constraint and no index (no query looks rows
    up by their citation, citations are never deleted, and the tables written in bulk pay no check)."""
    return models.ForeignKey(
        RuleCitation,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


def citation_text(obj: models.Model, column: str) -> str:
    """The text behind a citation column ('' without one). Load it with select_related(column) on
    lists: otherwise each row reads its citation."""
    return getattr(obj, column).text if getattr(obj, f"{column}_id") is not None else ""


def cited_text(column: str, doc: str) -> property:
    """The rule behind a citation column as text: `deadline_rule = cited_text("deadline_citation", …)`.
    Reading gives '' without a citation; writing stores the text once (RuleCitation.for_text: a query
    each, so bulk writers assign `column` from RuleCitation.stored instead). A property, so a model's
    constructor takes it as a keyword too."""

    def read(obj: models.Model) -> str:
        return citation_text(obj, column)

    def write(obj: models.Model, text: str) -> None:
        setattr(obj, column, RuleCitation.for_text(text))

    return property(read, write, doc=doc)
