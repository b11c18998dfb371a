"""The destination notice (目的地通知): when a coach's or a flight's passenger list is drawn up, and when
a point-to-point batch leaves and when it is handed over, its receiving unit is told — an outbox row
written in the same transaction as the step, which the notifications worker turns into the
in-platform notice (the receiving district's office, when the unit lies in this city) and, where the
unit has one, the signed webhook (fangkong.movement.alerts).

What it carries is what the receiving side needs to prepare a reception — how many, on which coach,
flight or vehicle, leaving when, from which district and unit, to which destination — and no person:
the names are reconciled at the handover against the masked passenger list the sending office hands
over (docs/security.md §"Destination notices")."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError

from .choices import NoticeKind
from .models import Departure, DestinationNotice, ReceivingUnit, TransferBatch


def active_receiver(receiver: ReceivingUnit | None) -> ReceivingUnit | None:
    if receiver is not None and not ReceivingUnit.objects.filter(pk=receiver.pk, is_active=True).exists():
        raise DomainError(_("该接收单位已停用"), field="receiver", rule="movement.receiver")
    return receiver


def notify_destination(
    kind: NoticeKind, *, at, people: int, departure: Departure | None = None, batch: TransferBatch | None = None
) -> None:
    """Called inside the step's transaction; nothing when the departure or batch names no receiving unit."""
    receiver_id = (departure or batch).receiver_id if (departure or batch) else None
    if receiver_id is None:
        return
    DestinationNotice.objects.create(kind=kind, receiver_id=receiver_id, departure=departure, batch=batch, people=people, at=at)
