from django.apps import AppConfig


class FlagsConfig(AppConfig):
    name = "fangkong.flags"
    label = "flags"
    verbose_name = "System flags (系统预警)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import alerts
        from .registry import MODULE

        registry.add(MODULE)
        alerts.register()
