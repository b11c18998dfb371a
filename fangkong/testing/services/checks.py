"""敲门行动: a grid worker's check of a household — why each member was not sampled, and the sticker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.geo.models import Household, Person

from .. import events
from ..choices import RESAMPLING_OPEN, CheckOutcome, ResamplingReason, StickerStatus
from ..models import HouseholdCheck, PersonCheck, ResamplingTask, SamplingPoint, TestingRound
from ..permissions import TestingCap
from .binding import Binding, bulk_bind

PLACES = ("district_id", "street_id", "community_id", "grid_id")


@dataclass
class MemberCheck:
    person_id: int
    outcome: str
    whereabouts: str = ""
    note: str = ""
    barcode: str = ""  # for SAMPLED_ON_SPOT: the tube the person was sampled into


@transaction.atomic
def household_check_record(
    *,
    actor: Any,
    testing_round: TestingRound,
    household: Household,
    members: list[MemberCheck],
    sticker: str = StickerStatus.POSTED,
    sampling_point: SamplingPoint | None = None,
    at: dt.datetime | None = None,
) -> HouseholdCheck:
    """Record one visit. Bedridden → a home-sampling task; sampled on the spot → bound to the tube
    (a new barcode opens a tube at `sampling_point`, as in bulk_bind)."""
    require(actor, TestingCap.CHECK)
    if not Household.objects.covered_by(actor).filter(pk=household.pk).exists():
        raise PermissionRefused(_("该户不在您的管辖范围内"), rule="testing.check_scope")
    at = at or now()
    residents = {p.pk: p for p in Person.objects.filter(household=household)}
    places = {f: getattr(household, f) for f in PLACES}
    for m in members:
        if m.person_id not in residents:
            raise DomainError(_("人员 %(p)s 不是该户成员") % {"p": m.person_id}, field="members")
        if m.outcome not in CheckOutcome.values:
            raise DomainError(_("未知核查结果 %(o)s") % {"o": m.outcome}, field="outcome")
        if m.outcome == CheckOutcome.AWAY and not m.whereabouts.strip():
            raise DomainError(_("外出人员须注明去向：%(n)s") % {"n": residents[m.person_id].name}, field="whereabouts")
        if m.outcome == CheckOutcome.SAMPLED_ON_SPOT and not m.barcode.strip():
            raise DomainError(_("当场采样须填写试管条码：%(n)s") % {"n": residents[m.person_id].name}, field="barcode")
    on_spot = [
        Binding(barcode=m.barcode, person_id=m.person_id, sampled_at=at) for m in members if m.outcome == CheckOutcome.SAMPLED_ON_SPOT
    ]
    if on_spot:
        bulk_bind(actor=actor, testing_round=testing_round, bindings=on_spot, sampling_point=sampling_point, at=at)
    for m in members:
        PersonCheck.objects.update_or_create(
            round=testing_round,
            person_id=m.person_id,
            defaults={
                "household_id": household.pk,
                **places,
                "outcome": m.outcome,
                "whereabouts": m.whereabouts.strip(),
                "note": m.note.strip(),
                "checked_at": at,
                "checked_by": actor if getattr(actor, "is_authenticated", False) else None,
            },
        )
        if (
            m.outcome == CheckOutcome.BEDRIDDEN
            and not ResamplingTask.objects.filter(
                round=testing_round, person_id=m.person_id, reason=ResamplingReason.HOME_SAMPLING, status__in=RESAMPLING_OPEN
            ).exists()
        ):
            ResamplingTask.objects.create(
                round=testing_round, person_id=m.person_id, reason=ResamplingReason.HOME_SAMPLING, household_id=household.pk, **places
            )
    check, _created = HouseholdCheck.objects.update_or_create(
        round=testing_round,
        household_id=household.pk,
        defaults={
            **places,
            "sticker": sticker,
            "checked_at": at,
            "checked_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    audit_record(
        actor=actor,
        event_type=events.HOUSEHOLD_CHECKED,
        obj=household,
        count=len(members),
        after={"round": testing_round.number, "sticker": sticker, "outcomes": {str(m.person_id): m.outcome for m in members}},
    )
    return check
