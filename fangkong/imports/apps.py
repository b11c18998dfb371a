from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "fangkong.imports"
    label = "imports"
    verbose_name = "Bulk import"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from .registry import MODULE

        registry.add(MODULE)
