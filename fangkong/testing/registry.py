"""What 快检 plugs into the platform."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import GrantFacility, Module, NavEntry
from fangkong.core.roles import Role, roles

from .events import TestingEvent
from .models import LAB_GRANT
from .permissions import CAPABILITIES


def _api(router) -> None:
    from .api import register

    register(router)


MODULE = Module(
    app="testing",
    capabilities=CAPABILITIES,
    events=TestingEvent,
    nav=[NavEntry("testing:round_list", _("核酸检测"), "eyedropper", order=30, first_for=roles(Role.GRID_WORKER, Role.LABORATORY))],
    url_prefix="testing/",
    urlconf="fangkong.testing.urls",
    api=_api,
    grant_facilities=[GrantFacility(LAB_GRANT.removeprefix("facility:"), _("检测机构"), "testing.Laboratory")],
)
