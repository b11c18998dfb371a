"""What the audit app plugs into the platform: the audit log pages, and the platform's own event
types (sign-in, accounts, registry, policy, admin, exports); each domain app registers its own."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability, LandingEntry, Module, NavEntry
from fangkong.core.roles import Role, roles

from .catalogue import EventType
from .permissions import AUDIT_VIEW

MODULE = Module(
    app="audit",
    capabilities=[
        Capability(AUDIT_VIEW, _("查看审计日志"), _("您的角色无权查看审计日志"), roles(Role.AUDITOR, Role.SYSTEM_ADMIN)),
    ],
    events=EventType,
    nav=[NavEntry("audit:event_list", _("审计日志"), "journal-text", capability=AUDIT_VIEW, order=90, first_for=roles(Role.AUDITOR))],
    landing=[
        LandingEntry(
            "audit_today", roles(Role.AUDITOR, Role.SYSTEM_ADMIN), "fangkong.audit.landing.today", order=90, need_to_know=(AUDIT_VIEW,)
        )
    ],
    url_prefix="audit/",
    urlconf="fangkong.audit.urls",
)
