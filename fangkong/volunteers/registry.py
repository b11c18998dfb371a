"""What the volunteers module plugs into the platform: its capabilities, audit event types, the
coordinator's pages and home-page panels, the public application and the volunteer's phone pages,
and the organisations a coordinator may be granted."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import GrantFacility, LandingEntry, Module, NavEntry
from fangkong.core.roles import Role, roles

from .events import VolunteersEvent
from .permissions import CAPABILITIES, ORGANISATION_GRANT, VolunteersCap


def _api(router) -> None:
    from .api import register

    register(router)


MODULE = Module(
    app="volunteers",
    capabilities=CAPABILITIES,
    events=VolunteersEvent,
    derived=("volunteers.DayTotal",),  # kept by triggers (decision 0016)
    nav=[
        NavEntry(
            "volunteers:volunteer_list",
            _("志愿者"),
            "people",
            capability=VolunteersCap.VIEW,
            order=70,
            first_for=roles(Role.VOLUNTEER_COORDINATOR),
        ),
        NavEntry("volunteers:totals", _("志愿服务统计"), "bar-chart", order=71, places=True, any_of=(VolunteersCap.MANAGE,)),
    ],
    landing=[
        LandingEntry(
            "volunteers_work",
            roles(Role.VOLUNTEER_COORDINATOR),
            "fangkong.volunteers.landing.coordinator",
            order=10,
            need_to_know=(VolunteersCap.VIEW, VolunteersCap.MANAGE),
        )
    ],
    url_prefix="volunteers/",
    urlconf="fangkong.volunteers.urls",
    api=_api,
    grant_facilities=[
        GrantFacility(
            ORGANISATION_GRANT.removeprefix("facility:"), _("志愿服务组织"), "volunteers.Organisation", ("district", "street", "community")
        )
    ],
)
