"""What the daily reports plug into the platform: the capability, audit event types, the menu entry
and pages."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import LandingEntry, Module, NavEntry
from fangkong.core.roles import OFFICES

from .events import DailyReportEvent
from .permissions import CAPABILITIES

MODULE = Module(
    app="reports.daily",
    capabilities=CAPABILITIES,
    events=DailyReportEvent,
    nav=[NavEntry("daily:day", _("日报"), "journal-text", order=88, places=True)],
    landing=[LandingEntry("daily_reports", OFFICES, "fangkong.reports.daily.landing.today", order=45)],
    url_prefix="reports/daily/",
    urlconf="fangkong.reports.daily.urls",
)
