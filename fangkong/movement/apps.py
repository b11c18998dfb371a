from django.apps import AppConfig


class MovementConfig(AppConfig):
    name = "fangkong.movement"
    label = "movement"
    verbose_name = "Orderly movement (有序流动)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import alerts
        from .registry import MODULE

        registry.add(MODULE)
        alerts.register()
