"""What the read-only reports plug into the platform: the home page (each role's work, and the
overview), first in every role's menu."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Module, NavEntry
from fangkong.core.roles import Role

MODULE = Module(
    app="reports",
    nav=[NavEntry("reports:home", _("首页"), "house", order=10, first_for=frozenset(Role.values))],
    url_prefix="",
    urlconf="fangkong.reports.urls",
)

# The press brief: its own module entry (its page and menu item), kept apart from the home page.
PRESS = Module(
    app="reports.press",
    nav=[NavEntry("press:brief", _("新闻发布通报"), "megaphone", order=90, places=True)],
    url_prefix="reports/press/",
    urlconf="fangkong.reports.press_urls",
)
