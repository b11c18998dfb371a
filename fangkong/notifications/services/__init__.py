"""Every write of the notifications app: the worker's delivery run (services.delivery), a user's
reading and muting (services.reading) and the webhooks' sending (services.webhooks)."""

from .delivery import DeliveryStats, deliver, deliver_rule
from .reading import mark_all_read, mark_read, mute, unmute

__all__ = ["DeliveryStats", "deliver", "deliver_rule", "mark_all_read", "mark_read", "mute", "unmute"]
