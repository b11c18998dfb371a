"""What 快转 plugs into the platform."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BoardStep
from fangkong.core.modules import GrantFacility, LandingEntry, Module, NavEntry
from fangkong.core.roles import Role, roles

from .events import CasesEvent
from .permissions import CAPABILITIES, CasesCap
from .querysets import TREATMENT_GRANT


def _api(router) -> None:
    from .api import register

    register(router)


MODULE = Module(
    app="cases",
    capabilities=CAPABILITIES,
    events=CasesEvent,
    nav=[
        NavEntry(
            "cases:board",
            _("阳性转运"),
            "truck",
            order=40,
            first_for=roles(Role.HOSPITAL_STAFF),
            any_of=(CasesCap.VIEW, CasesCap.DISPATCH, CasesCap.TREAT),
            places=True,
        )
    ],
    landing=[
        LandingEntry("arrivals", roles(Role.HOSPITAL_STAFF), "fangkong.cases.landing.arrivals", order=10, need_to_know=(CasesCap.VIEW,)),
        LandingEntry(
            "discharges",
            roles(Role.HOSPITAL_STAFF),
            "fangkong.cases.landing.discharges",
            order=15,
            need_to_know=(CasesCap.VIEW, CasesCap.TREAT),
        ),
        LandingEntry(
            "monitoring",
            roles(Role.COMMUNITY_WORKER),
            "fangkong.cases.landing.monitoring",
            order=50,
            need_to_know=(CasesCap.VIEW, CasesCap.MONITOR),
        ),
    ],
    facilities={TREATMENT_GRANT: "cases.TreatmentFacility"},
    url_prefix="cases/",
    urlconf="fangkong.cases.urls",
    api=_api,
    grant_facilities=[
        GrantFacility(TREATMENT_GRANT.removeprefix("facility:"), _("定点医院/方舱医院"), "cases.TreatmentFacility", ("district",))
    ],
    board=[
        BoardStep(
            "cases",
            _("快转"),
            "truck",
            "fangkong.cases.board.figures",
            "fangkong.cases.board.trend",
            order=20,
            closed_days=True,
            today_by_place="fangkong.cases.board.trend_today_by_place",
        )
    ],
)
