"""What the read-only reports plug into the platform: the overview (the landing page)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Module, NavEntry

MODULE = Module(
    app="reports",
    nav=[NavEntry("reports:home", _("总览"), "speedometer2", order=10)],
    url_prefix="",
    urlconf="fangkong.reports.urls",
)
