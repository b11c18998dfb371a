"""What orderly movement plugs into the platform: its capabilities, audit event types, the pages of
passes, checkpoints and departures, and the published public key of the passes' signatures."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.modules import Module, NavEntry

from .events import MovementEvent
from .permissions import CAPABILITIES, MovementCap

MODULE = Module(
    app="movement",
    capabilities=CAPABILITIES,
    events=MovementEvent,
    nav=[
        NavEntry("movement:home", _("有序流动"), "signpost-split", order=70, need_to_know=(MovementCap.VIEW,)),
        NavEntry("movement:check", _("卡口核验"), "qr-code-scan", capability=MovementCap.CHECK, order=71),
    ],
    url_prefix="movement/",
    urlconf="fangkong.movement.urls",
)
