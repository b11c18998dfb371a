"""What 快检 plugs into the platform."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BoardStep
from fangkong.core.modules import GrantFacility, LandingEntry, Module, NavEntry
from fangkong.core.roles import Role, roles

from .events import TestingEvent
from .models import LAB_GRANT
from .permissions import CAPABILITIES, TestingCap


def _api(router) -> None:
    from .api import register

    register(router)


MODULE = Module(
    app="testing",
    capabilities=CAPABILITIES,
    events=TestingEvent,
    nav=[
        NavEntry(
            "testing:round_list",
            _("核酸检测"),
            "eyedropper",
            order=30,
            first_for=roles(Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.LABORATORY),
            any_of=(TestingCap.PLAN, TestingCap.SAMPLE, TestingCap.LAB, TestingCap.CHECK),
            places=True,
        )
    ],
    landing=[
        LandingEntry("lab", roles(Role.LABORATORY), "fangkong.testing.landing.laboratory", order=10, need_to_know=(TestingCap.LAB,)),
        LandingEntry(
            "grid_knocking", roles(Role.GRID_WORKER), "fangkong.testing.landing.grid_knocking", order=20, need_to_know=(TestingCap.CHECK,)
        ),
        LandingEntry(
            "community_knocking",
            roles(Role.COMMUNITY_WORKER),
            "fangkong.testing.landing.community_knocking",
            order=20,
            need_to_know=(TestingCap.CHECK,),
        ),
        LandingEntry(
            "resampling",
            roles(Role.GRID_WORKER, Role.COMMUNITY_WORKER),
            "fangkong.testing.landing.resampling",
            order=30,
            need_to_know=(TestingCap.CHECK,),
        ),
    ],
    facilities={LAB_GRANT: "testing.Laboratory"},
    url_prefix="testing/",
    urlconf="fangkong.testing.urls",
    api=_api,
    grant_facilities=[GrantFacility(LAB_GRANT.removeprefix("facility:"), _("检测机构"), "testing.Laboratory")],
    board=[
        BoardStep(
            "testing",
            _("快检"),
            "eyedropper",
            "fangkong.testing.selectors.board.figures",
            "fangkong.testing.selectors.board.trend",
            order=10,
            closed_days=True,
            today_by_place="fangkong.testing.selectors.board.trend_today_by_place",
        )
    ],
)
