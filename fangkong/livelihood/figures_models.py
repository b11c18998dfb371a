"""The ledger's figures kept by the database (decision 0015, migration livelihood 0012): per place
(district, street, community, grid of the entry, 0 where the entry has none) how many residents are
on the ledger, and per place and group member how many of them the member is paired with (live
pairs of residents on the ledger). Triggers on the ledger and the pairs write them inside the
writer's transaction, whoever writes (the services, the demo, a bulk INSERT, a data fix), so the
community page's "工作组 X 个…覆盖重点人员 W 人" is a sum over a few rows, never a count of 100,000."""

from __future__ import annotations

from django.db import models

from fangkong.core.scoping import ScopedQuerySet

# The entry's places, as plain ids (0: none), so a grant's filter (scope_q) reads them as on the ledger.
FIGURE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id", "grid": "grid_id"}
FIGURE_KEY = ("community_id", "grid_id", "street_id", "district_id")


class FigurePlace(models.Model):
    district_id = models.BigIntegerField(default=0)
    street_id = models.BigIntegerField(default=0)
    community_id = models.BigIntegerField(default=0)
    grid_id = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_paths = FIGURE_SCOPE

    class Meta:
        abstract = True


class LedgerCount(FigurePlace):
    """Residents on the ledger (status active) with these places."""

    active = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=list(FIGURE_KEY), name="livelihood_ledgercount_place")]

    def __str__(self) -> str:
        return f"台账人数 社区 {self.community_id} 网格 {self.grid_id}: {self.active}"


class PairCount(FigurePlace):
    """Live pairs of one group member with residents on the ledger with these places (0 once unpaired:
    the row stays)."""

    member_id = models.BigIntegerField()
    live = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=[*FIGURE_KEY, "member_id"], name="livelihood_paircount_place")]

    def __str__(self) -> str:
        return f"对子数 社区 {self.community_id} 网格 {self.grid_id} 成员 {self.member_id}: {self.live}"
