from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "fangkong.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from fangkong.core.modules import registry

        from . import authentication  # noqa: F401 - registers the token scheme with drf-spectacular
        from .registry import MODULE
        from .sessions import watch_sign_ins
        from .signed_in import watch_accounts

        registry.add(MODULE)
        watch_accounts()
        watch_sign_ins()


class FangkongAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with fangkong.accounts.admin_site.FangkongAdminSite as the site
    (INSTALLED_APPS names this class in place of "django.contrib.admin")."""

    default = False  # not the config of fangkong.accounts
    default_site = "fangkong.accounts.admin_site.FangkongAdminSite"
