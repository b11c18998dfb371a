from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "fangkong.audit"
    label = "audit"
    verbose_name = "Audit"
