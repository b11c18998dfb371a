"""Reads for the laboratory pages: the lab's tubes in a round, its result uploads and their progress.

A lab user holds a facility grant to their laboratory; every read goes through `.visible_to(user)`,
so another lab's tubes and uploads are invisible (404), and a user with no lab sees nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from fangkong.audit.selectors import may_read_private_file
from fangkong.results.choices import Result

from ..choices import RoundStatus, TubeStatus, UploadStatus
from ..models import Laboratory, ResultUpload, TestingRound, Tube
from ..permissions import TestingCap
from ..querysets import overdue_q


def laboratory_for(*, user: Any, lab_id: int | str | None = None) -> tuple[Laboratory, list[Laboratory]]:
    """The laboratory the user works for (the one asked for, if they hold several) and all of them.

    404 when the user holds no laboratory, or asks for one they do not hold."""
    labs = list(Laboratory.objects.visible_to(user).order_by("name"))
    if not labs:
        raise Http404
    if lab_id not in (None, ""):
        chosen = next((lab for lab in labs if str(lab.pk) == str(lab_id)), None)
        if chosen is None:
            raise Http404
        return chosen, labs
    return labs[0], labs


@dataclass(frozen=True)
class LabCounts:
    received: int  # every tube this lab signed for (with or without a result)
    awaiting: int  # received, no result yet
    resulted: int
    positive: int
    invalid: int
    overdue: int  # past the round's result deadline without a result


def lab_counts(*, user: Any, testing_round: TestingRound, laboratory: Laboratory, now: dt.datetime | None = None) -> LabCounts:
    now = now or timezone.now()
    tubes = Tube.objects.visible_to(user).filter(round=testing_round, laboratory=laboratory)
    c = tubes.aggregate(
        received=Count("id"),
        awaiting=Count("id", filter=Q(status=TubeStatus.RECEIVED)),
        resulted=Count("id", filter=Q(status=TubeStatus.RESULTED)),
        positive=Count("id", filter=Q(status=TubeStatus.RESULTED, result=Result.POSITIVE)),
        invalid=Count("id", filter=Q(status=TubeStatus.RESULTED, result=Result.INVALID)),
        overdue=Count("id", filter=overdue_q(now)),
    )
    return LabCounts(**c)


def lab_rounds(*, user: Any, laboratory: Laboratory) -> QuerySet[TestingRound]:
    """The rounds a lab works on now: being sampled, or holding its tubes still without a result."""
    pending = Tube.objects.visible_to(user).filter(laboratory=laboratory, status=TubeStatus.RECEIVED).values("round_id")
    rounds = TestingRound.objects.visible_to(user).filter(Q(status=RoundStatus.ACTIVE) | Q(pk__in=pending))
    return rounds.order_by("-number")


def tubes_to_receive(*, testing_round: TestingRound) -> int:
    """Sealed tubes of the round no laboratory has signed for yet. Any lab may receive them, and the
    lab sees none of them before it does (tubes are scoped by the receiving lab): a figure only."""
    # Without a result: the partial index of tubes still waiting for one answers (not the whole round).
    return Tube.objects.filter(round=testing_round, resulted_at__isnull=True, status=TubeStatus.CLOSED).count()


def overdue_lab_tubes(*, user: Any, testing_round: TestingRound, laboratory: Laboratory, now: dt.datetime | None = None) -> QuerySet[Tube]:
    now = now or timezone.now()
    tubes = Tube.objects.visible_to(user).filter(round=testing_round, laboratory=laboratory).filter(overdue_q(now))
    return tubes.select_related("sampling_point").order_by("deadline_at", "id")


def upload_list(*, user: Any, testing_round: TestingRound, laboratory: Laboratory | None = None) -> QuerySet[ResultUpload]:
    qs = ResultUpload.objects.visible_to(user).filter(round=testing_round).select_related("uploaded_by", "laboratory")
    return qs.filter(laboratory=laboratory) if laboratory is not None else qs


def upload_get(*, user: Any, testing_round: TestingRound, pk: int) -> ResultUpload:
    return get_object_or_404(upload_list(user=user, testing_round=testing_round), pk=pk)


def progress_key(upload_id: int) -> str:
    """Where a result upload's job reports its progress (the cache is shared across processes)."""
    return f"testing:upload:{upload_id}:progress"


def upload_file_readable(*, user: Any, upload: ResultUpload) -> bool:
    """The uploaded file itself: the lab user who uploaded it and the auditor only."""
    return may_read_private_file(user=user, owner_id=upload.uploaded_by_id, capability=TestingCap.LAB)


def upload_for_file(*, user: Any, testing_round: TestingRound, pk: int) -> ResultUpload:
    """An upload whose file the user may read; 404 (as for a missing one) for anyone else."""
    upload = ResultUpload.objects.filter(round=testing_round, pk=pk).select_related("laboratory").first()
    if upload is None or not upload_file_readable(user=user, upload=upload):
        raise Http404
    return upload


def same_file_before(upload: ResultUpload) -> ResultUpload | None:
    """An earlier upload of the very same file (by SHA-256) by the same lab in the same round."""
    return (
        ResultUpload.objects.filter(round_id=upload.round_id, laboratory_id=upload.laboratory_id, sha256=upload.sha256, pk__lt=upload.pk)
        .exclude(status__in=(UploadStatus.REFUSED, UploadStatus.FAILED))
        .order_by("-pk")
        .first()
    )


@dataclass(frozen=True)
class UploadProgress:
    phase: str  # queued / parsing / writing / done
    rows: int
    at: dt.datetime | None


def upload_progress(upload: ResultUpload) -> UploadProgress:
    """While the job runs, its phase from the cache (the row is only updated at the end)."""
    if upload.status == UploadStatus.QUEUED:
        return UploadProgress("queued", 0, None)
    if upload.status == UploadStatus.RUNNING:
        data = cache.get(progress_key(upload.pk)) or {}
        at = dt.datetime.fromisoformat(data["at"]) if data.get("at") else None
        return UploadProgress(data.get("phase", "parsing"), data.get("rows", 0), at)
    return UploadProgress("done", upload.rows_total, upload.finished_at)
