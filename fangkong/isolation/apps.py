from django.apps import AppConfig


class IsolationConfig(AppConfig):
    name = "fangkong.isolation"
    label = "isolation"
    verbose_name = "Isolation (快隔)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import people
        from .registry import MODULE

        registry.add(MODULE)
        people.register()
