"""Orderly movement (有序流动): vehicle passes and their scans at checkpoints, checkpoints and their
logs, departure applications and the departures (a coach, a flight) approved travellers leave on.

A pass (一车一事一证) is for one plate, one purpose, one trip (origin → destination within a validity
window) and a named driver, whose ID number is stored encrypted with a keyed hash for the
checkpoint's comparison and a masked form for display (as geo.Person). The QR code carries a token
signed with Ed25519 (fangkong.movement.signing) so a checkpoint phone verifies it offline; every
scan, accepted or refused, is a row here, refused ones flagged for the issuing office.

Every row carries the place ids it is scoped by (district, street, community): a pass its issuing
office's district, a scan its checkpoint's, an application its resident's.
"""

from .batches import BatchMember, BatchVehicle, DestinationNotice, HandoverLink, ReceivingUnit, TransferBatch
from .checkpoints import Checkpoint, CheckpointFever, CheckpointLog, CheckpointShift
from .departures import Departure, DepartureApplication, SelfApplication
from .passes import PassScan, VehiclePass
from .scope import PLACE_SCOPE

__all__ = [
    "BatchMember",
    "BatchVehicle",
    "Checkpoint",
    "CheckpointFever",
    "CheckpointLog",
    "CheckpointShift",
    "Departure",
    "DepartureApplication",
    "DestinationNotice",
    "HandoverLink",
    "PLACE_SCOPE",
    "PassScan",
    "ReceivingUnit",
    "SelfApplication",
    "TransferBatch",
    "VehiclePass",
]
