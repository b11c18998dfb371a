"""What the accounts app plugs into the platform."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability, Module, NavEntry
from fangkong.core.roles import Role, roles

from .permissions import ACCOUNTS_MANAGE


def _api(router) -> None:
    from .api import ApiTokenViewSet

    router.register("token", ApiTokenViewSet, basename="api-token")


MODULE = Module(
    app="accounts",
    capabilities=[
        Capability(ACCOUNTS_MANAGE, _("管理账号、角色与管辖范围"), _("您的角色无权管理账号"), roles(Role.SYSTEM_ADMIN)),
    ],
    nav=[NavEntry("accounts:account_list", _("账号管理"), "people", capability=ACCOUNTS_MANAGE, order=92)],
    url_prefix="accounts/",
    urlconf="fangkong.accounts.urls",
    api=_api,
)
