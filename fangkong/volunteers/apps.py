from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "fangkong.volunteers"
    label = "volunteers"
    verbose_name = "Volunteers (志愿服务)"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from .registry import MODULE

        registry.add(MODULE)
