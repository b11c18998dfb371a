from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "fangkong.testing"
    label = "testing"
    verbose_name = "Mass testing (快检)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import alerts, people
        from .registry import MODULE

        registry.add(MODULE)
        people.register()
        alerts.register()
