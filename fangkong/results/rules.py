"""Ct → result: the one rule every path that records a result goes through (a lab's file or FHIR
Bundle, the isolation site's day sheet and API, the hospital's test of a case).

Positive = min(Ct ORF1ab, Ct N) < testing.positive_ct_threshold (the active policy; SPEC.md §10).
- Ct values lie in 0–50.
- With Ct values the result is decided by them; a stated result that contradicts them is refused,
  naming the threshold and its citation (a "positive" with Ct 40 is not a positive).
- A positive must carry a Ct value (nobody can check it otherwise); a negative may come without.
- "Invalid" (the sample must be taken again) stands as stated.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError
from fangkong.policy.rules import rule

from .choices import Result

CT_RANGE = (0.0, 50.0)
CT_RANGE_RULE = "results.ct_range"
THRESHOLD_KEY = "testing.positive_ct_threshold"


@dataclass(frozen=True)
class Threshold:
    """The active policy's threshold, read once per batch, with its citation."""

    value: float
    citation: str
    short: str  # what a stored result keeps as `decided_by` (120 characters)

    @classmethod
    def active(cls) -> Threshold:
        r = rule(THRESHOLD_KEY)
        return cls(value=float(r.value), citation=r.citation, short=f"{r.key}<{r.value}@{r.profile_code}"[:120])


@dataclass(frozen=True)
class Problem:
    """Why a result was refused: the field at fault, the message, and the rule (with its source)."""

    field: str
    message: str
    rule: str = ""
    source: str = ""

    def error(self) -> DomainError:
        return DomainError(self.message, field=self.field, rule=self.rule, source=self.source)


def ct_problem(value: float | None, field: str) -> Problem | None:
    if value is not None and not CT_RANGE[0] <= value <= CT_RANGE[1]:
        return Problem(field, _("Ct 值须在 0–50 之间"), CT_RANGE_RULE)
    return None


def decide(stated: str, ct_orf1ab: float | None, ct_n: float | None, *, threshold: Threshold) -> tuple[str, Problem | None]:
    """(result, problem): the result the rule gives, and why the input is refused (None: accepted)."""
    for field, value in (("ct_orf1ab", ct_orf1ab), ("ct_n", ct_n)):
        problem = ct_problem(value, field)
        if problem:
            return stated, problem
    if stated and stated not in Result.values:
        return stated, Problem("result", _("未知的检测结果“%(r)s”") % {"r": stated})
    if stated == Result.INVALID:
        return Result.INVALID, None
    cts = [v for v in (ct_orf1ab, ct_n) if v is not None]
    if cts:
        decided = Result.POSITIVE if min(cts) < threshold.value else Result.NEGATIVE
        if stated and stated != decided:
            return decided, Problem(
                "result",
                _("报告结果为“%(said)s”，但 Ct 最小值 %(ct)s 按阈值 %(thr)s 判定为“%(dec)s”")
                % {"said": Result(stated).label, "ct": f"{min(cts):g}", "thr": f"{threshold.value:g}", "dec": Result(decided).label},
                THRESHOLD_KEY,
                threshold.citation,
            )
        return decided, None
    if stated == Result.POSITIVE:
        return stated, Problem("ct_orf1ab", _("阳性结果须报告 Ct 值（ORF1ab 或 N）"), THRESHOLD_KEY, threshold.citation)
    if stated == Result.NEGATIVE:
        return stated, None
    return "", Problem("result", _("请填写检测结果或 Ct 值"))


def decide_or_refuse(
    stated: str, ct_orf1ab: float | None = None, ct_n: float | None = None, *, fields: dict[str, str] | None = None
) -> tuple[str, Threshold]:
    """For one result entered by hand: the decided result and the threshold used, or a DomainError
    (`fields` renames the fields for a form with one Ct value: {"ct_orf1ab": "ct_value"})."""
    threshold = Threshold.active()
    result, problem = decide(stated, ct_orf1ab, ct_n, threshold=threshold)
    if problem is not None:
        error = problem.error()
        error.field = (fields or {}).get(error.field, error.field)
        raise error
    return result, threshold
