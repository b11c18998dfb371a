from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "fangkong.notifications"
    label = "notifications"
    verbose_name = "Notifications (通知)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from .registry import MODULE

        registry.add(MODULE)
