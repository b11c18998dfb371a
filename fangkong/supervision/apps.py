from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "fangkong.supervision"
    label = "supervision"
    verbose_name = "Supervision (督导)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import alerts
        from .registry import MODULE

        registry.add(MODULE)
        alerts.register()
