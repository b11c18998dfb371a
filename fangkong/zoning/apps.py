from django.apps import AppConfig


class ZoningConfig(AppConfig):
    name = "fangkong.zoning"
    label = "zoning"
    verbose_name = "Risk areas (严管)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import alerts, public
        from .registry import MODULE

        registry.add(MODULE)
        alerts.register()
        public.watch()  # every area transition replaces the public list's generation token
