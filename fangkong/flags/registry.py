"""What the system's flags plug into the platform: the capability to read them, the audit event of
an evaluation, the flags page, and a row of the 三快一严 board (open flags of both kinds)."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BoardStep
from fangkong.core.modules import Module, NavEntry

from .events import FlagsEvent
from .permissions import CAPABILITIES, FlagsCap

MODULE = Module(
    app="flags",
    capabilities=CAPABILITIES,
    events=FlagsEvent,
    nav=[NavEntry("flags:flag_list", _("系统预警"), "flag", capability=FlagsCap.VIEW, order=85)],
    url_prefix="flags/",
    urlconf="fangkong.flags.urls",
    board=[
        BoardStep("flags", _("系统预警"), "flag", "fangkong.flags.board.figures", "fangkong.flags.board.trend", order=90, closed_days=True)
    ],
)
