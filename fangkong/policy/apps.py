from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "fangkong.policy"
    label = "policy"
    verbose_name = "Policy"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from .registry import MODULE

        registry.add(MODULE)

        from django.core.signals import request_finished, request_started
        from django.db.models.signals import post_delete, post_save

        from .models import PolicyParameter, PolicyProfile
        from .rules import forget_read_rules, rules_read_end, rules_read_per_request

        request_started.connect(rules_read_per_request, dispatch_uid="policy_rules_read_per_request")
        request_finished.connect(rules_read_end, dispatch_uid="policy_rules_read_end")
        for model in (PolicyProfile, PolicyParameter):
            post_save.connect(forget_read_rules, sender=model, dispatch_uid=f"policy_forget_{model.__name__}_save")
            post_delete.connect(forget_read_rules, sender=model, dispatch_uid=f"policy_forget_{model.__name__}_delete")
