from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "fangkong.results"
    label = "results"
    verbose_name = "Test results (any source)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import people
        from .registry import MODULE

        registry.add(MODULE)
        people.register()
