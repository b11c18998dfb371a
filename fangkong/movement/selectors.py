"""Reads of orderly movement, each scoped to the user's places (an object outside answers 404)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from .choices import ApplicationStatus, CheckpointStatus, PassStatus, ScanOutcome, ScanRefusal
from .models import (
    BatchMember,
    Checkpoint,
    CheckpointFever,
    CheckpointLog,
    Departure,
    DepartureApplication,
    DestinationNotice,
    PassScan,
    ReceivingUnit,
    TransferBatch,
    VehiclePass,
)


def pass_list(*, user: Any, status: str = "", q: str = "") -> QuerySet[VehiclePass]:
    qs = VehiclePass.objects.visible_to(user)
    if status in PassStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(plate__icontains=q) | Q(purpose__icontains=q) | Q(destination__icontains=q))
    return qs.order_by("-created_at", "-id")


def pass_get(*, user: Any, pk: int) -> VehiclePass:
    return get_object_or_404(VehiclePass.objects.visible_to(user), pk=pk)


def pass_scans(vehicle_pass: VehiclePass) -> QuerySet[PassScan]:
    return vehicle_pass.scans.select_related("checkpoint").order_by("scanned_at", "id")


def refused_scans(*, user: Any, refusal: str = "") -> QuerySet[PassScan]:
    """The refused scans flagged to the user's offices: those of the passes they issued (wherever
    the checkpoint), and those of a code that names no pass of the platform (forged, unknown) at
    their own checkpoints — its claimed issuer cannot be trusted. Another office's passes' refusals
    are not listed, even at this office's checkpoints (its checkpoint page shows its own scans)."""
    issued = VehiclePass.objects.visible_to(user).values("pk")
    unattributed = PassScan.objects.visible_to(user).filter(vehicle_pass__isnull=True).values("pk")
    qs = PassScan.objects.filter(outcome=ScanOutcome.REFUSED).filter(Q(vehicle_pass__in=issued) | Q(pk__in=unattributed))
    if refusal in ScanRefusal.values:
        qs = qs.filter(refusal=refusal)
    return qs.select_related("checkpoint", "vehicle_pass").order_by("-scanned_at", "-id")


def checkpoint_list(*, user: Any, approved_only: bool = False) -> QuerySet[Checkpoint]:
    qs = Checkpoint.objects.visible_to(user).select_related("district")
    if approved_only:
        qs = qs.filter(status=CheckpointStatus.APPROVED)
    return qs.order_by("district_id", "name")


def checkpoint_get(*, user: Any, pk: int) -> Checkpoint:
    return get_object_or_404(Checkpoint.objects.visible_to(user), pk=pk)


def checkpoint_logs(checkpoint: Checkpoint, *, limit: int = 100) -> list[CheckpointLog]:
    fevers = Prefetch("fever_records", queryset=CheckpointFever.objects.order_by("id"))  # as they were entered
    return list(checkpoint.logs.prefetch_related(fevers).order_by("-at", "-id")[:limit])


def checkpoint_scans(checkpoint: Checkpoint, *, limit: int = 100) -> list[PassScan]:
    return list(checkpoint.scans.select_related("vehicle_pass").order_by("-scanned_at", "-id")[:limit])


def application_list(*, user: Any, status: str = "") -> QuerySet[DepartureApplication]:
    qs = DepartureApplication.objects.visible_to(user).select_related("person", "departure")
    if status in ApplicationStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def departure_list(*, user: Any) -> QuerySet[Departure]:
    return Departure.objects.visible_to(user).annotate(seated=Count("passengers")).order_by("departs_at", "id")


def departure_get(*, user: Any, pk: int) -> Departure:
    return get_object_or_404(Departure.objects.visible_to(user), pk=pk)


def passengers(departure: Departure) -> QuerySet[DepartureApplication]:
    return departure.passengers.select_related("person").order_by("person__name", "id")


def unseated(*, user: Any, departure: Departure) -> QuerySet[DepartureApplication]:
    """Approved travellers by the departure's mode not yet on a coach or flight (a batch leaves when ready)."""
    return (
        DepartureApplication.objects.visible_to(user)
        .filter(status=ApplicationStatus.APPROVED, mode=departure.mode)
        .select_related("person")
        .order_by("travel_date", "id")
    )


@dataclass
class MovementFigures:
    day: dt.date
    applications: dict[str, int] = field(default_factory=dict)
    refused_by_rule: dict[str, int] = field(default_factory=dict)
    passes: dict[str, int] = field(default_factory=dict)
    scans: dict[str, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)
    checkpoints: list[tuple[Checkpoint, int, int, int]] = field(default_factory=list)  # checkpoint, vehicles, people, fevers
    fever_actions: dict[str, int] = field(default_factory=dict)  # the day's fevers at checkpoints, by what was done
    batches: dict[str, int] = field(default_factory=dict)
    batch_people: dict[str, int] = field(default_factory=dict)


def movement_figures(*, user: Any, day: dt.date) -> MovementFigures:
    f = MovementFigures(day=day)
    apps = DepartureApplication.objects.visible_to(user)
    f.applications = dict(apps.values_list("status").annotate(n=Count("id")).order_by())
    for decision in apps.filter(status=ApplicationStatus.REFUSED).values_list("decision", flat=True).iterator(chunk_size=2000):
        for item in decision or ():
            if not item.get("met"):
                f.refused_by_rule[item["rule"]] = f.refused_by_rule.get(item["rule"], 0) + 1
    f.passes = dict(VehiclePass.objects.visible_to(user).values_list("status").annotate(n=Count("id")).order_by())
    scans = PassScan.objects.visible_to(user)
    f.scans = dict(scans.values_list("outcome").annotate(n=Count("id")).order_by())
    f.refusals = dict(scans.filter(outcome=ScanOutcome.REFUSED).values_list("refusal").annotate(n=Count("id")).order_by())
    logs = (
        CheckpointLog.objects.visible_to(user)
        .filter(at__date=day)
        .values("checkpoint")
        .annotate(vehicles=Count("id"), people=Sum("people"), fevers=Sum("fevers"))
        .order_by()
    )
    f.fever_actions = dict(
        CheckpointFever.objects.visible_to(user).filter(at__date=day).values_list("action").annotate(n=Count("id")).order_by()
    )
    batches = TransferBatch.objects.visible_to(user)
    f.batches = dict(batches.values_list("status").annotate(n=Count("id")).order_by())
    f.batch_people = dict(BatchMember.objects.filter(batch__in=batches).values_list("status").annotate(n=Count("id")).order_by())
    by_cp = {r["checkpoint"]: r for r in logs}
    for cp in checkpoint_list(user=user):
        r = by_cp.get(cp.pk, {})
        f.checkpoints.append((cp, r.get("vehicles", 0), r.get("people", 0) or 0, r.get("fevers", 0) or 0))
    return f


REFUSAL_LABELS = dict(ScanRefusal.choices)


def receivers() -> QuerySet[ReceivingUnit]:
    """The receiving units a departure or a batch may name (not personal data: every office sees them)."""
    return ReceivingUnit.objects.filter(is_active=True).order_by("name")


def notices_of(*, departure: Departure | None = None, batch: TransferBatch | None = None) -> list[DestinationNotice]:
    """The notices sent for a departure or a batch the caller has already read (scoped)."""
    found = (
        DestinationNotice.objects.filter(departure=departure) if departure is not None else DestinationNotice.objects.filter(batch=batch)
    )
    return list(found.order_by("at", "pk"))


RECEIVER_GRANT = "facility:movement_receiver"  # a grant on the receiving unit itself (alerts.RECEIVER_UNIT)


def batches_to_receive(*, user: Any) -> QuerySet[TransferBatch]:
    """The batches this user confirms the handover of, as a user of the receiving unit: those whose
    receiving unit lies in a district of the user's grant — and never a batch sent from one (the
    sending office, or the command that covers both ends, does not confirm its own handover) —
    except a handover within one district (a quarantine hotel of the sending district): its
    district's users see it, and services.handover.batch_receive refuses whoever worked the batch
    (four eyes)."""
    from fangkong.core.scoping import jurisdiction_of

    j = jurisdiction_of(user)
    if j.is_empty or j.city:
        return TransferBatch.objects.none()
    districts = j.covered.get("district", frozenset())
    units = j.covered.get(RECEIVER_GRANT, frozenset())
    found = TransferBatch.objects.filter(Q(receiver__district_id__in=districts) | Q(receiver_id__in=units))
    return found.exclude(Q(district_id__in=districts) & ~Q(receiver__district_id=F("district_id")))
