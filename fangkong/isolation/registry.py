"""What 快隔 and 流调 plug into the platform."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BoardStep
from fangkong.core.modules import GrantFacility, LandingEntry, Module, NavEntry
from fangkong.core.roles import Role, roles

from .events import IsolationEvent
from .permissions import CAPABILITIES, PEOPLE, TRACING, IsolationCap
from .querysets import SITE_GRANT


def _api(router) -> None:
    from .api import register

    register(router)


MODULE = Module(
    app="isolation",
    capabilities=CAPABILITIES,
    events=IsolationEvent,
    nav=[
        NavEntry(
            "isolation:site_list",
            _("集中隔离"),
            "building",
            order=50,
            first_for=roles(Role.ISOLATION_SITE_STAFF, Role.COMMUNITY_WORKER),
            any_of=(IsolationCap.VIEW, IsolationCap.MANAGE),
        ),
        NavEntry("isolation:tracing_home", _("流调"), "diagram-2", order=55, need_to_know=TRACING),
    ],
    landing=[
        LandingEntry("site_day", roles(Role.ISOLATION_SITE_STAFF), "fangkong.isolation.landing.site_day", order=10, need_to_know=PEOPLE),
        LandingEntry(
            "handovers",
            roles(Role.COMMUNITY_WORKER, Role.ISOLATION_SITE_STAFF),
            "fangkong.isolation.landing.handovers",
            order=40,
            need_to_know=PEOPLE,
        ),
        LandingEntry("returning", roles(Role.GRID_WORKER), "fangkong.isolation.landing.returning", order=40, need_to_know=PEOPLE),
        LandingEntry(
            "home_checks",
            roles(Role.GRID_WORKER, Role.COMMUNITY_WORKER),
            "fangkong.isolation.landing.home_checks",
            order=45,
            need_to_know=PEOPLE,
        ),
    ],
    facilities={SITE_GRANT: "isolation.IsolationSite"},
    url_prefix="isolation/",
    urlconf="fangkong.isolation.urls",
    api=_api,
    grant_facilities=[
        GrantFacility(SITE_GRANT.removeprefix("facility:"), _("隔离点"), "isolation.IsolationSite", ("district", "street", "community"))
    ],
    board=[
        BoardStep(
            "isolation",
            _("快隔"),
            "door-closed",
            "fangkong.isolation.board.figures",
            "fangkong.isolation.board.trend",
            order=30,
            closed_days=True,
            today_by_place="fangkong.isolation.board.trend_today_by_place",
        )
    ],
)
