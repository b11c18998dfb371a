"""What the daily reports plug into the platform: the capability, audit event types, the menu entry
and pages."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Module, NavEntry

from .events import DailyReportEvent
from .permissions import CAPABILITIES

MODULE = Module(
    app="reports.daily",
    capabilities=CAPABILITIES,
    events=DailyReportEvent,
    nav=[NavEntry("daily:day", _("日报"), "journal-text", order=88, places=True)],
    url_prefix="reports/daily/",
    urlconf="fangkong.reports.daily.urls",
)
