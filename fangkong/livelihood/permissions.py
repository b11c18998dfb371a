"""What each role may do in 民生保障 (registered with the platform in registry.py). Totals of a
street or a district need a grant alone (they name nobody); names, phones and addresses of ledger
residents need livelihood.details as well (need-to-know)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Capability
from fangkong.core.roles import Role, roles


class LivelihoodCap:
    LEDGER = "livelihood.ledger"  # keep the ledger: entries, 摸排 visits, work groups, pairs, requests (the community)
    DETAILS = "livelihood.details"  # see the ledger's residents by name, phone and address (need-to-know)
    DELIVER = "livelihood.deliver"  # the deliverer's phone page; record a delivery; a grid worker confirms a gate handover
    VOUCHERS = "livelihood.vouchers"  # set up a voucher programme, issue and redeem vouchers
    RELIEF = "livelihood.relief"  # record subsidies and relief, set a district's budget (names the recipient: need-to-know)
    SUPPLIES = "livelihood.supplies"  # keep the stock of supplies: receipts, issues, transfers, counts, approve units' requests
    REQUEST_SUPPLIES = "livelihood.request_supplies"  # a unit (community, street, isolation site) asks the level above for supplies


CAPABILITIES = [
    Capability(
        LivelihoodCap.LEDGER,
        _("维护特殊困难群体台账"),
        _("只有社区工作者可以维护特殊困难群体台账"),
        roles(Role.COMMUNITY_WORKER),
        personal=True,
    ),
    Capability(
        LivelihoodCap.DETAILS,
        _("查看台账人员信息"),
        _("您的角色无权查看台账人员的姓名、电话和住址"),
        roles(Role.COMMUNITY_WORKER, Role.GRID_WORKER),
        personal=True,
    ),
    Capability(
        LivelihoodCap.DELIVER,
        _("上门配送、交接确认"),
        _("您的角色无权登记配送或确认交接"),
        roles(Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.VOLUNTEER_COORDINATOR),
        personal=True,
    ),
    Capability(
        LivelihoodCap.VOUCHERS,
        _("发放、核销消费券"),
        _("您的角色无权发放或核销消费券"),
        roles(Role.DISTRICT_OFFICE, Role.STREET_OFFICE, Role.COMMUNITY_WORKER),
        personal=True,
    ),
    Capability(
        LivelihoodCap.SUPPLIES,
        _("管理物资库存"),
        _("您的角色无权管理物资库存"),
        roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE),
    ),
    Capability(
        LivelihoodCap.REQUEST_SUPPLIES,
        _("申领物资"),
        _("您的角色无权申领物资"),
        roles(Role.COMMUNITY_WORKER, Role.STREET_OFFICE, Role.ISOLATION_SITE_STAFF),
    ),
    Capability(
        LivelihoodCap.RELIEF,
        _("发放补贴和救助"),
        _("您的角色无权发放补贴和救助"),
        roles(Role.DISTRICT_OFFICE, Role.STREET_OFFICE),
        personal=True,
    ),
]
