"""What the policy app plugs into the platform."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability, Module, NavEntry
from fangkong.core.roles import Role, roles

from .permissions import POLICY_MANAGE

MODULE = Module(
    app="policy",
    capabilities=[
        Capability(POLICY_MANAGE, _("修改防控政策"), _("只有系统管理员可以修改防控政策"), roles(Role.SYSTEM_ADMIN)),
    ],
    nav=[NavEntry("policy:profile_list", _("防控政策"), "book", order=95)],
    url_prefix="policy/",
    urlconf="fangkong.policy.urls",
)
