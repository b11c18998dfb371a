"""The board's snapshot: derived data the worker rewrites each minute (never audited, never edited).

A `BoardSnapshot` is the board as at `taken_at` for the whole city (read as the system's city-wide
reader): one `SnapshotRow` per row of each kept figure with its places and deadline, the stats'
city-wide values, and the per-place parts of the stats that sum over an office's grants
(`SnapshotStat`). `TrendDay` keeps a closed day's trend values for one jurisdiction."""

from __future__ import annotations

from django.db import models


class BoardSnapshot(models.Model):
    taken_at = models.DateTimeField(db_index=True)  # every figure as at this moment
    complete = models.BooleanField(default=False)  # all rows written: only a complete one is read
    built_seconds = models.FloatField(default=0.0)
    # {"cases.transfers_overdue": "cases.transfer", …}: the figures kept and their rows' model
    figures = models.JSONField(default=dict)
    # {"testing.rounds": 3, …}: each stat's value for the whole city
    stats = models.JSONField(default=dict)

    class Meta:
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"board snapshot {self.taken_at:%Y-%m-%d %H:%M:%S}"


class SnapshotRow(models.Model):
    """One row of a figure: the module's row id and its places (plain ids: the names are read from geo)."""

    snapshot = models.ForeignKey(BoardSnapshot, on_delete=models.CASCADE, related_name="rows", db_index=False)
    figure = models.CharField(max_length=64)
    item_id = models.BigIntegerField()
    district_id = models.BigIntegerField(null=True)
    street_id = models.BigIntegerField(null=True)
    community_id = models.BigIntegerField(null=True)
    deadline = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["snapshot", "figure", "deadline", "item_id"], name="reports_snaprow_figure"),
            models.Index(fields=["snapshot", "district_id"], name="reports_snaprow_district"),
            models.Index(fields=["snapshot", "street_id"], name="reports_snaprow_street"),
            models.Index(fields=["snapshot", "community_id"], name="reports_snaprow_community"),
        ]

    def __str__(self) -> str:
        return f"{self.figure} #{self.item_id}"


class SnapshotStat(models.Model):
    """A stat's parts for one place (Stat.by_place): summed over an office's grants, then combined."""

    snapshot = models.ForeignKey(BoardSnapshot, on_delete=models.CASCADE, related_name="stat_rows")
    stat = models.CharField(max_length=64)
    part = models.CharField(max_length=32, blank=True)  # combined apart, then added (one round's coverage)
    district_id = models.BigIntegerField(null=True)
    street_id = models.BigIntegerField(null=True)
    community_id = models.BigIntegerField(null=True)
    a = models.BigIntegerField(default=0)
    b = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stat} {self.part}"


class TrendDay(models.Model):
    """One closed local day of a step's trend for one jurisdiction (`scope`: a digest of its grants)."""

    step = models.CharField(max_length=32)
    scope = models.CharField(max_length=64)
    day = models.DateField()
    values = models.JSONField(default=list)  # one value per series, in the trend's order
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["step", "scope", "day"], name="reports_trendday_unique")]

    def __str__(self) -> str:
        return f"{self.step} {self.day}"
