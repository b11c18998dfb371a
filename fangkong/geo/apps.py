from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "fangkong.geo"
    label = "geo"
    verbose_name = "Places and people"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from .registry import MODULE

        registry.add(MODULE)
