from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "fangkong.cases"
    label = "cases"
    verbose_name = "Cases and transfer (快转)"
