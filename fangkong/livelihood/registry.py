"""What 民生保障 plugs into the platform: the ledger, work groups and pairs, requests and deliveries,
vouchers — their capabilities, audit event types, pages and the overdue-requests landing panel."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BoardStep
from fangkong.core.modules import LandingEntry, Module, NavEntry
from fangkong.core.roles import Role, roles

from .events import LivelihoodEvent
from .permissions import CAPABILITIES, LivelihoodCap

MODULE = Module(
    app="livelihood",
    capabilities=CAPABILITIES,
    events=LivelihoodEvent,
    derived=("livelihood.LedgerCount", "livelihood.PairCount"),  # kept by triggers (decision 0015)
    nav=[
        NavEntry("livelihood:home", _("民生保障"), "basket", order=70, places=True),
        NavEntry("livelihood:deliveries", _("上门配送"), "truck", order=71, capability=LivelihoodCap.DELIVER),
        NavEntry("livelihood:warehouses", _("物资库存"), "box-seam", order=72, capability=LivelihoodCap.SUPPLIES),
        NavEntry("livelihood:supply_requests", _("物资申领"), "clipboard-check", order=73, capability=LivelihoodCap.REQUEST_SUPPLIES),
    ],
    landing=[
        LandingEntry(
            "livelihood_overdue",
            roles(Role.COMMAND_CENTRE, Role.DISTRICT_OFFICE, Role.STREET_OFFICE, Role.COMMUNITY_WORKER),
            "fangkong.livelihood.landing.overdue",
            order=40,
        ),
        LandingEntry(
            "livelihood_gate",
            roles(Role.GRID_WORKER),
            "fangkong.livelihood.landing.gate",
            order=40,
            need_to_know=(LivelihoodCap.DELIVER,),
        ),
    ],
    url_prefix="livelihood/",
    urlconf="fangkong.livelihood.urls",
    board=[
        BoardStep(
            "livelihood",
            _("民生"),
            "basket",
            "fangkong.livelihood.board.figures",
            "fangkong.livelihood.board.trend",
            order=50,
            closed_days=True,
            today_by_place="fangkong.livelihood.board.trend_today_by_place",
        )
    ],
)
