"""What zoning plugs into the platform: the area classes and risk areas every module reads, their
audit event types, the 严管 pages (declare, decide, lift by rule) and the public list."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BoardStep
from fangkong.core.modules import LandingEntry, Module, NavEntry
from fangkong.core.roles import Role, roles

from .events import ZoningEvent
from .permissions import CAPABILITIES, ZoningCap

MODULE = Module(
    app="zoning",
    capabilities=CAPABILITIES,
    events=ZoningEvent,
    nav=[
        NavEntry("zoning:area_list", _("风险区域"), "bounding-box", order=60),
        NavEntry("zoning:duty_list", _("4+N 值守"), "person-badge", order=61, places=True),
    ],
    landing=[
        LandingEntry(
            "zoning_decisions", roles(Role.COMMAND_CENTRE), "fangkong.zoning.landing.decisions", order=20, need_to_know=(ZoningCap.DECIDE,)
        ),
        # The roles that keep 4+N rosters (zoning.duty): compounds with a gap in the next 24 hours.
        LandingEntry(
            "zoning_duty_gaps",
            roles(Role.DISTRICT_OFFICE, Role.STREET_OFFICE, Role.COMMUNITY_WORKER),
            "fangkong.zoning.landing.duty_gaps",
            order=40,
            need_to_know=(ZoningCap.DUTY,),
        ),
    ],
    url_prefix="zoning/",
    urlconf="fangkong.zoning.urls",
    # The residents of the areas in force, kept by triggers (decision 0011): never dumped nor loaded.
    derived=("zoning.AreaResident",),
    board=[
        BoardStep(
            "zoning",
            _("严管"),
            "sign-stop",
            "fangkong.zoning.board.figures",
            "fangkong.zoning.board.trend",
            order=40,
            closed_days=True,
            today_by_place="fangkong.zoning.board.trend_today_by_place",
        )
    ],
)
