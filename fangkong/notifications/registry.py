"""What the notification centre plugs into the platform: its pages (the list, the bell). The rules
are registered by the domain apps (fangkong.notifications.rules)."""

from fangkong.core.modules import Module

MODULE = Module(app="notifications", url_prefix="notifications/", urlconf="fangkong.notifications.urls")
