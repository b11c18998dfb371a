"""What 快转 plugs into the platform."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import GrantFacility, Module, NavEntry
from fangkong.core.roles import Role, roles

from .events import CasesEvent
from .permissions import CAPABILITIES
from .querysets import TREATMENT_GRANT


def _api(router) -> None:
    from .api import register

    register(router)


MODULE = Module(
    app="cases",
    capabilities=CAPABILITIES,
    events=CasesEvent,
    nav=[NavEntry("cases:board", _("阳性转运"), "truck", order=40, first_for=roles(Role.HOSPITAL_STAFF))],
    url_prefix="cases/",
    urlconf="fangkong.cases.urls",
    api=_api,
    grant_facilities=[
        GrantFacility(TREATMENT_GRANT.removeprefix("facility:"), _("定点医院/方舱医院"), "cases.TreatmentFacility", ("district",))
    ],
)
