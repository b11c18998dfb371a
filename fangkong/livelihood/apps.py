from django.apps import AppConfig


class LivelihoodConfig(AppConfig):
    name = "fangkong.livelihood"
    label = "livelihood"
    verbose_name = "Livelihood support (民生保障)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import alerts
        from .registry import MODULE

        registry.add(MODULE)
        alerts.register()
