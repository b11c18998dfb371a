from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "fangkong.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from .registry import MODULE

        registry.add(MODULE)
