from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "fangkong.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import alerts
        from .daily.registry import MODULE as DAILY
        from .registry import MODULE, PRESS
        from .selectors import watch_registry

        registry.add(MODULE)
        registry.add(PRESS)
        registry.add(DAILY)
        alerts.register()
        watch_registry()  # the overview kept per jurisdiction: every write to the registry's tables
