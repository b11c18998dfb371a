"""The reports app's own rows: the daily reports (fangkong.reports.daily) and the board's snapshot
(fangkong.reports.snapshot: derived data the worker keeps)."""

from .daily.models import DailyReport
from .snapshot.models import BoardSnapshot, SnapshotRow, SnapshotStat, TrendDay

__all__ = ["BoardSnapshot", "DailyReport", "SnapshotRow", "SnapshotStat", "TrendDay"]
