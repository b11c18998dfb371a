"""The command decides: approve a proposed area (in force from the time asked, or now), reject it,
and lift an area in force — only when the profile's lifting rule allows (fangkong.zoning.lifting):
a refusal names the rule and what is missing. Under the 9th edition a high-risk area lifted goes
to medium (still in force, its clock restarting); under the 20 measures and earlier profiles it is
lifted. `lifting_review` is the daily pass that records which areas are due (系统提示解除)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_in_future
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.sql import table
from fangkong.core.transitions import check_transition
from fangkong.geo.models import Household, Person

from ..choices import AREA_TRANSITIONS, AreaStatus
from ..events import ZoningEvent
from ..lifting import lifting_status, lifting_statuses
from ..models import RiskArea
from ..permissions import ZoningCap
from ..rules import naming
from .common import transition_record

LIFT_RULE = "zoning.lift_rule"
AREA_TRANSITION = "zoning.area_transition"
REGISTRY_BUSY = "zoning.registry_busy"
# An area going into force has its residents added by the database (zoning.AreaResident, decision
# 0011) under a SHARE lock on people and households. Behind a registry import's open transaction the
# lock waits for the whole import, and while it waits PostgreSQL queues every new registration behind
# it: the approval waits this long at most, then is refused with "retry in a minute".
REGISTRY_LOCK_TIMEOUT_SECONDS = 3
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout


def _locked(actor: Any, area: RiskArea) -> RiskArea:
    require(actor, ZoningCap.DECIDE)
    locked = RiskArea.objects.select_for_update().get(pk=area.pk)
    if not RiskArea.objects.covered_by(actor).filter(pk=area.pk).exists():
        raise PermissionRefused(_("该风险区域不在您的管辖范围内"), rule="zoning.area_scope")
    return locked


def _move(area: RiskArea, target: str, action: str) -> None:
    check_transition(AREA_TRANSITIONS, area.status, target, labels=AreaStatus, what=_("该风险区域"), action=action, rule=AREA_TRANSITION)


def _decided_at(at: dt.datetime | None) -> dt.datetime:
    at = aware(at)
    not_in_future(at, field="at", label=_("决定时间"))
    return at


def _lock_registry() -> None:
    """Take the SHARE lock of the residents' trigger (decision 0011) before the area goes into force,
    waiting at most REGISTRY_LOCK_TIMEOUT_SECONDS (SET LOCAL: this transaction only, restored after
    the lock); the trigger's own LOCK then finds it held. On timeout a refusal: the caller's
    transaction rolls back and the area stays proposed. PostgreSQL only (SQLite has one writer)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('lock_timeout')")
        previous = cur.fetchone()[0]
        cur.execute("SELECT set_config('lock_timeout', %s, true)", [f"{REGISTRY_LOCK_TIMEOUT_SECONDS}s"])
        try:
            cur.execute(f"LOCK TABLE {table(Person)}, {table(Household)} IN SHARE MODE")
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            raise DomainError(
                _("人口名册正在更新（例如批量导入），暂时无法批准。请一分钟后重试，本区域仍为待批准。"), rule=REGISTRY_BUSY
            ) from exc
        cur.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


@transaction.atomic
def area_approve(*, actor: Any, area: RiskArea, reason: str = "", at: dt.datetime | None = None) -> RiskArea:
    """`at`: when the command decided (now; a past time records a decision taken earlier). Behind a
    registry import the approval is refused after REGISTRY_LOCK_TIMEOUT_SECONDS (retry), not left waiting."""
    area = _locked(actor, area)
    _move(area, AreaStatus.IN_FORCE, _("批准"))
    at = _decided_at(at)
    _lock_registry()
    area.status = AreaStatus.IN_FORCE
    area.in_force_at = max(area.effective_at or at, at)
    area.level_since = area.in_force_at
    area.decided_by, area.decided_at, area.decision_reason = actor, at, reason.strip()[:300]
    area.save(update_fields=["status", "in_force_at", "level_since", "decided_by", "decided_at", "decision_reason", "updated_at"])
    transition_record(area, AreaStatus.PROPOSED, AreaStatus.IN_FORCE, actor=actor, reason=reason.strip(), basis=naming().citation, at=at)
    audit_record(
        actor=actor,
        event_type=ZoningEvent.AREA_APPROVED,
        obj=area,
        before={"status": AreaStatus.PROPOSED},
        after={"status": area.status, "in_force_at": area.in_force_at},
        reason=reason,
    )
    return area


@transaction.atomic
def area_reject(*, actor: Any, area: RiskArea, reason: str, at: dt.datetime | None = None) -> RiskArea:
    area = _locked(actor, area)
    _move(area, AreaStatus.REJECTED, _("驳回"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写不批准的理由"), field="reason")
    at = _decided_at(at)
    area.status = AreaStatus.REJECTED
    area.decided_by, area.decided_at, area.decision_reason = actor, at, reason[:300]
    area.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    transition_record(area, AreaStatus.PROPOSED, AreaStatus.REJECTED, actor=actor, reason=reason, at=at)
    audit_record(
        actor=actor,
        event_type=ZoningEvent.AREA_REJECTED,
        obj=area,
        before={"status": AreaStatus.PROPOSED},
        after={"status": area.status},
        reason=reason,
    )
    return area


@transaction.atomic
def area_lift(*, actor: Any, area: RiskArea, reason: str = "", at: dt.datetime | None = None) -> RiskArea:
    """Lift (or, 9th edition, downgrade) an area in force once its rule allows it (at `at`, now by
    default: the rule is evaluated at that time)."""
    area = _locked(actor, area)
    _move(area, AreaStatus.LIFTED, _("解除"))
    at = _decided_at(at)
    if area.in_force_at is not None and at < area.in_force_at:
        raise DomainError(_("解除时间早于生效时间"), field="at", rule=AREA_TRANSITION)
    status = lifting_status(area, at=at)
    rule = status.rule if status else None
    reason = (reason or "").strip()
    if rule is None:
        if not reason:
            raise DomainError(_("现行政策对该等级没有解除条件，请填写解除理由"), field="reason")
    elif not status.due:
        raise DomainError(
            _("尚未达到解除条件（%(rule)s）：%(missing)s") % {"rule": rule.keys, "missing": status.summary or _("解除日期未到")},
            rule=LIFT_RULE,
            source=rule.citation,
        )
    basis = rule.citation if rule else ""
    before = {"status": area.status, "class": area.area_class}
    if rule is not None and rule.to is not None:  # 9th edition: high → medium, still in force, a new clock
        area.area_class = rule.to
        area.level_since = at
        area.lift_proposed_at, area.lift_due_on = None, None
        area.save(update_fields=["area_class", "level_since", "lift_proposed_at", "lift_due_on", "updated_at"])
        transition_record(area, AreaStatus.IN_FORCE, AreaStatus.IN_FORCE, actor=actor, reason=reason, basis=basis, at=at)
        event = ZoningEvent.AREA_DOWNGRADED
    else:
        area.status = AreaStatus.LIFTED
        area.lifted_at = at
        area.lifted_reason = (reason or _("达到解除条件"))[:300]
        area.save(update_fields=["status", "lifted_at", "lifted_reason", "updated_at"])
        transition_record(area, AreaStatus.IN_FORCE, AreaStatus.LIFTED, actor=actor, reason=reason, basis=basis, at=at)
        event = ZoningEvent.AREA_LIFTED
    audit_record(
        actor=actor,
        event_type=event,
        obj=area,
        before=before,
        after={"status": area.status, "class": area.area_class},
        reason=reason or basis,
    )
    return area


@transaction.atomic
def lifting_review(*, actor: Any = "system", at: dt.datetime | None = None) -> list[int]:
    """The review (every 10 minutes): every area in force whose rule is met is marked as proposed for
    lifting (once per clock), with the day its rule was met (`lift_due_on`: LiftStatus.due_on as
    found now, from which 长时间不解封 counts — kept, so the residents' later negatives do not move
    it), in one audited batch, and every area's figures are kept (LiftFigures, read by the board, the
    lists, the flags, the alerts and the home page). A mark found without its day (written before
    the day was kept, or by other hands) gets it now. An area marked that is no longer due (its clock
    restarted on a new positive) loses its mark, to be proposed again on its new clock. Returns the
    ids newly proposed."""
    at = aware(at)
    areas = list(RiskArea.objects.filter(status=AreaStatus.IN_FORCE, in_force_at__lte=at))
    statuses = lifting_statuses(areas, at=at, keep=True)
    due = {pk: s for pk, s in statuses.items() if s.due}
    fresh = [a.pk for a in areas if a.pk in due and not due[a.pk].proposed]
    undated = [a.pk for a in areas if a.pk in due and due[a.pk].proposed and a.lift_due_on is None]
    withdrawn = [a.pk for a in areas if a.pk not in due and a.lift_proposed_at is not None]
    if withdrawn:
        RiskArea.objects.filter(pk__in=withdrawn).update(lift_proposed_at=None, lift_due_on=None)
    if undated:
        RiskArea.objects.bulk_update([RiskArea(pk=pk, lift_due_on=due[pk].due_on) for pk in undated], ["lift_due_on"], batch_size=1000)
    if fresh:
        marks = [RiskArea(pk=pk, lift_proposed_at=at, lift_due_on=due[pk].due_on) for pk in fresh]
        RiskArea.objects.bulk_update(marks, ["lift_proposed_at", "lift_due_on"], batch_size=1000)
        audit_record(
            actor=actor, event_type=ZoningEvent.LIFT_PROPOSED, object_type="zoning.riskarea", after={"areas": fresh}, count=len(fresh)
        )
    return fresh
