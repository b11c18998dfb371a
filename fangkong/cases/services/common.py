"""Shared pieces of the 快转 services: time checks, transitions, scope checks, beds, test results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.timefmt import local_minutes
from fangkong.testing.choices import Result

from ..choices import BedType
from ..models import Case, FacilityBeds, TreatmentFacility
from ..querysets import TREATMENT_GRANT
from .policy import Cited, cited

# A clock a little ahead of the server's is not "in the future".
CLOCK_SKEW = dt.timedelta(minutes=10)
CT_RANGE = (0.0, 50.0)


def now() -> dt.datetime:
    return timezone.now()


def local(value: dt.datetime | None) -> str:
    """A time as people read it here: local (Asia/Shanghai), to the minute."""
    return local_minutes(value)


def check_not_future(value: dt.datetime | None, *, field: str, label: str) -> None:
    if value is not None and value > now() + CLOCK_SKEW:
        raise DomainError(
            _("%(label)s %(t)s 晚于当前时间") % {"label": label, "t": local(value)},
            rule="cases.time_not_future",
            field=field,
        )


def check_order(earlier: dt.datetime | None, later: dt.datetime | None, *, field: str, earlier_label: str, later_label: str) -> None:
    """`later` may not come before `earlier` (either may be missing: nothing to compare)."""
    if earlier is not None and later is not None and later < earlier:
        raise DomainError(
            _("%(later)s %(b)s 早于%(earlier)s %(a)s")
            % {"later": later_label, "b": local(later), "earlier": earlier_label, "a": local(earlier)},
            rule="cases.time_order",
            field=field,
        )


TRANSITION_RULES = {"CaseStatus": "cases.case_transitions", "TransferStatus": "cases.transfer_transitions"}


def check_transition(table: Mapping[str, frozenset[str]], current: str, target: str, *, labels: Any, what: str, action: str) -> None:
    """Refuse a move the state machine (choices.py) does not allow, naming the current state."""
    if target not in table.get(current, frozenset()):
        raise DomainError(
            _("%(what)s当前状态为“%(cur)s”，不能%(action)s") % {"what": what, "cur": labels(current).label, "action": action},
            rule=TRANSITION_RULES.get(labels.__name__, "cases.monitoring_transitions"),
        )


def ensure_case_visible(actor: Any, case: Case) -> None:
    """Outside the actor's jurisdiction a case does not exist for them."""
    if actor is None:
        return
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionRefused(_("该病例不在您的管辖范围内"), rule="cases.case_scope")


def covers_facility(actor: Any, facility_id: int | None) -> bool:
    if actor is None:
        return True
    j = jurisdiction_of(actor)
    return j.covers(TREATMENT_GRANT, facility_id)


def ensure_facility_covered(actor: Any, facility: TreatmentFacility) -> None:
    if not covers_facility(actor, facility.pk):
        raise PermissionRefused(_("您不属于“%(f)s”，不能代其办理") % {"f": facility.name}, rule="cases.facility_scope")


# ---- beds: the only two writes to FacilityBeds.occupied outside the facility admin ----


def beds_take(facility: TreatmentFacility, bed_type: str) -> None:
    """Take one bed with a conditional UPDATE (… WHERE occupied < capacity): of two admissions racing
    for the last bed exactly one matches the row; the other is refused. Raises when full."""
    taken = FacilityBeds.objects.filter(facility=facility, bed_type=bed_type, occupied__lt=F("capacity")).update(
        occupied=F("occupied") + 1, updated_at=now()
    )
    if taken:
        return
    beds = FacilityBeds.objects.filter(facility=facility, bed_type=bed_type).first()
    shown = f"{beds.occupied}/{beds.capacity}" if beds else "0/0"
    raise DomainError(
        _("“%(f)s”%(bed)s已满（在院/床位 %(shown)s），不能收治") % {"f": facility.name, "bed": BedType(bed_type).label, "shown": shown},
        rule="cases.bed_capacity",
        source=f"{facility.name} {BedType(bed_type).label} {shown}",
    )


def beds_release(facility_id: int | None, bed_type: str) -> None:
    if facility_id is None or not bed_type:
        return
    FacilityBeds.objects.filter(facility_id=facility_id, bed_type=bed_type, occupied__gt=0).update(
        occupied=F("occupied") - 1, updated_at=now()
    )


# ---- a test result: stated, or decided from its Ct values under the policy threshold ----


def decide_result(result: str, ct_orf1ab: float | None, ct_n: float | None) -> tuple[str, str]:
    """(result, decided_by). Ct values decide when given (testing.positive_ct_threshold); a stated
    result that contradicts them is refused, as the lab upload does."""
    for name, value in (("ct_orf1ab", ct_orf1ab), ("ct_n", ct_n)):
        if value is not None and not CT_RANGE[0] <= value <= CT_RANGE[1]:
            raise DomainError(_("Ct 值须在 0–50 之间"), field=name, rule="cases.ct_range")
    if result and result not in Result.values:
        raise DomainError(_("未知的检测结果“%(r)s”") % {"r": result}, field="result")
    cts = [v for v in (ct_orf1ab, ct_n) if v is not None]
    if result == Result.INVALID or not cts:
        if not result:
            raise DomainError(_("请填写检测结果或 Ct 值"), field="result")
        return result, ""
    threshold: Cited = cited("testing.positive_ct_threshold")
    decided = Result.POSITIVE if min(cts) < float(threshold.value) else Result.NEGATIVE
    if result and result != decided:
        raise DomainError(
            _("结果为“%(said)s”，但 Ct 最小值 %(ct)s 按阈值判定为“%(dec)s”")
            % {"said": Result(result).label, "ct": f"{min(cts):g}", "dec": Result(decided).label},
            field="result",
            rule=threshold.key,
            source=threshold.citation,
        )
    return decided, threshold.citation[:300]
