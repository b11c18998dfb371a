from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "fangkong.cases"
    label = "cases"
    verbose_name = "Cases and transfer (快转)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import alerts, people, zoning_refs
        from .registry import MODULE

        registry.add(MODULE)
        people.register()
        zoning_refs.register()
        alerts.register()
