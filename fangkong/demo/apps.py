from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo: a synthetic city with every module's data and one account per role (`manage.py demo`).
    It sits above every module, so no module depends on it."""

    name = "fangkong.demo"
    label = "demo"
    verbose_name = "Demo"
