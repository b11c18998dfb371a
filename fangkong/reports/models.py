"""The reports app's own rows: the daily reports (fangkong.reports.daily)."""

from .daily.models import DailyReport

__all__ = ["DailyReport"]
