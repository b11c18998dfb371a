"""Column helpers shared by 快隔's tables (who wrote a row, a place). Rule citations are the
platform's: fangkong.policy.models.RuleCitation, citation_column, cited_text."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
