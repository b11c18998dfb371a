"""Column helpers shared by 快隔's tables (who wrote a row, a place, a stored rule citation)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _user(label: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=label, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


def _bulk_user(label: str) -> models.ForeignKey:
    """Who wrote a row of a table written in bulk: no database constraint and no index (no page
    looks rows up by their author; see BULK_TABLES)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


# BULK_TABLES: IsolationEpisode, Contact, ContactLink, RoomStay and ScheduledTest are written by the
# hundred thousand (services.bulk: 流调 lists and check-in, COPY). Their foreign keys keep no database
# constraint (decision 0003, as decision 0002's amendment for the testing tables): every writer reads
# each referenced row in the same transaction first, and Django still applies on_delete in the ORM.
# A foreign key whose index another index already starts with keeps no index of its own.


def _place(model: str, label: str, *, null: bool = False) -> models.ForeignKey:
    return models.ForeignKey(model, verbose_name=label, null=null, blank=null, on_delete=models.PROTECT, related_name="+")


class RuleCitation(models.Model):
    """One policy citation text (a regimen's rules, a deadline's rule, a test day's rule), stored once.

    Every episode of a policy version cites the same text, and so does every scheduled test of a
    kind: the bulk tables point here instead of copying ~1.4 kB onto each of 400,000 episodes and
    114 characters onto each of 2.4 million tests (decision 0003, section 5). Rows are never changed
    or deleted; a new text is a new row, found again by its SHA-256."""

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


def _citation(label: str) -> models.ForeignKey:
    """A citation column of a bulk table: the id of a RuleCitation, no constraint and no index (no
    query looks rows up by their citation, and citations are never deleted)."""
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


def _citation_text(obj: models.Model, name: str) -> str:
    """The text behind a citation column ('' without one). Load it with select_related(name) on
    lists: otherwise each row reads its citation."""
    return getattr(obj, name).text if getattr(obj, f"{name}_id") is not None else ""
