"""What 督导 plugs into the platform: its capabilities, audit event types, the inspectors' phone
pages and the offices' rectification pages, the home-page panels, its row of the 三快一严 board."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BoardStep
from fangkong.core.modules import LandingEntry, Module, NavEntry
from fangkong.core.roles import OFFICES, Role, roles

from .events import SupervisionEvent
from .permissions import CAPABILITIES, SupervisionCap

MODULE = Module(
    app="supervision",
    capabilities=CAPABILITIES,
    events=SupervisionEvent,
    nav=[
        NavEntry(
            "supervision:home", _("督导"), "clipboard-check", capability=SupervisionCap.VIEW, order=80, first_for=roles(Role.SUPERVISOR)
        ),
    ],
    landing=[
        LandingEntry("supervision_inspector", roles(Role.SUPERVISOR), "fangkong.supervision.landing.inspector", order=10),
        LandingEntry("supervision_owner", OFFICES, "fangkong.supervision.landing.owner", order=80, need_to_know=(SupervisionCap.RECTIFY,)),
    ],
    url_prefix="supervision/",
    urlconf="fangkong.supervision.urls",
    board=[
        BoardStep(
            "supervision", _("督导"), "clipboard-check", "fangkong.supervision.board.figures", "fangkong.supervision.board.trend", order=60
        )
    ],
)
