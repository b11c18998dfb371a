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
        _connect_hooks()


def _connect_hooks() -> None:
    from fangkong.cases.hooks import CASE_WITHDRAWN

    from .hooks import EPISODE_TURNED_POSITIVE
    from .tracing.services import contact_case_withdrawn, contact_turned_case

    EPISODE_TURNED_POSITIVE.connect(contact_turned_case)
    CASE_WITHDRAWN.connect(contact_case_withdrawn)
