"""The policy's word on risk areas, read once here from the active profile (fangkong.policy.rules):
which levels an area may be declared at and what they are called, the largest unit a declaration
may cover without a written justification ("不得随意扩大"), and the lifting rule of each level.

The stored class is one of `AreaClass` whatever the profile; the profile names it:
- 20 measures (`risk.levels` = high, low): 高风险区 / 低风险区 (no medium);
- 9th edition (high, medium, low): 高风险区 / 中风险区 / 低风险区;
- earlier profiles (no risk levels): 封控区 / 管控区 / 防范区.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.policy.models import PolicyProfile
from fangkong.policy.rules import Rule, active_profile, rule

from .choices import PLACE_WIDTH, AreaClass, PlaceLevel

RISK_LEVELS = "risk.levels"
HIGH_AREA_UNIT = "risk.high_area_unit"
AREA_UNIT = "risk.area_unit"
HIGH_CLEAN_DAYS = "risk.high_lift_clean_days"
HIGH_SCREENING_DAYS = "risk.high_lift_screening_days"
HIGH_LIFT_TO = "risk.high_lift_to"
MEDIUM_CLEAN_DAYS = "risk.medium_lift_clean_days"
OVERDUE_DAYS = "risk.lift_overdue_days"
CONFINED_CLASSES = "movement.departure_barred_classes"

LEVEL_CLASS = {"high": AreaClass.SEALED, "medium": AreaClass.CONTROLLED, "low": AreaClass.PRECAUTION}


def _risk_labels() -> dict[str, str]:
    return {AreaClass.SEALED: _("高风险区"), AreaClass.CONTROLLED: _("中风险区"), AreaClass.PRECAUTION: _("低风险区")}


def _zone_labels() -> dict[str, str]:
    return {AreaClass.SEALED: _("封控区"), AreaClass.CONTROLLED: _("管控区"), AreaClass.PRECAUTION: _("防范区")}


@dataclass(frozen=True)
class Naming:
    """The classes the profile lets an area be declared at, in its own words, strictest first."""

    classes: tuple[str, ...]
    labels: dict[str, str]
    citation: str

    def label(self, area_class: str) -> str:
        return self.labels.get(area_class) or str(AreaClass(area_class).label)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(c, self.labels[c]) for c in self.classes]


def naming(*, profile: PolicyProfile | None = None) -> Naming:
    levels = rule(RISK_LEVELS, profile=profile)
    if levels.value:
        classes = tuple(LEVEL_CLASS[v] for v in ("high", "medium", "low") if v in levels.value)
        return Naming(classes, _risk_labels(), levels.citation)
    return Naming((AreaClass.SEALED, AreaClass.CONTROLLED, AreaClass.PRECAUTION), _zone_labels(), levels.citation)


def confined_classes(*, profile: PolicyProfile | None = None) -> Rule:
    """The classes whose residents may not leave where they live (`movement.departure_barred_classes`:
    高风险区, and 中风险区 under the 9th edition): one rule for who may not leave the city
    (fangkong.movement.eligibility) and who may not do volunteers' field work (fangkong.volunteers.fitness)."""
    return rule(CONFINED_CLASSES, profile=profile)


def largest_unit(area_class: str, *, profile: PolicyProfile | None = None) -> Rule:
    """The widest place level an area of this class may be declared at without a justification."""
    return rule(HIGH_AREA_UNIT if area_class == AreaClass.SEALED else AREA_UNIT, profile=profile)


def is_wider(level: str, unit: str) -> bool:
    """A place of `level` is wider than the policy's `unit` (an unknown unit: the compound)."""
    limit = unit if unit in PLACE_WIDTH else PlaceLevel.COMPOUND
    return PLACE_WIDTH.index(level) > PLACE_WIDTH.index(limit)


@dataclass(frozen=True)
class LiftRule:
    """How an area of one class is lifted: `clean_days` consecutive days without a new positive
    among its residents and, when `screening_days` > 0, every resident negative in a screening
    sampled within the last `screening_days` days of the count; then it goes `to` a lower class
    (still in force) or, `to` None, it is lifted."""

    area_class: str
    clean_days: int
    screening_days: int
    to: str | None
    rules: tuple[Rule, ...]

    @property
    def citation(self) -> str:
        return "\n".join(r.citation for r in self.rules)

    @property
    def keys(self) -> str:
        return ", ".join(r.key for r in self.rules)


def lift_rule(area_class: str, *, profile: PolicyProfile | None = None) -> LiftRule | None:
    """The active profile's lifting rule for a class (None: no rule; lifted by decision alone)."""
    profile = profile or active_profile()
    if area_class == AreaClass.SEALED:
        clean, screening, to = (rule(k, profile=profile) for k in (HIGH_CLEAN_DAYS, HIGH_SCREENING_DAYS, HIGH_LIFT_TO))
        if not clean.value:
            return None
        target = LEVEL_CLASS.get(to.value)
        return LiftRule(
            area_class,
            int(clean.value),
            int(screening.value or 0),
            None if target in (None, AreaClass.PRECAUTION) else target,
            (clean, screening, to),
        )
    if area_class == AreaClass.CONTROLLED:
        levels = rule(RISK_LEVELS, profile=profile).value or []
        clean = rule(MEDIUM_CLEAN_DAYS, profile=profile)
        if "medium" not in levels or not clean.value:
            return None
        return LiftRule(area_class, int(clean.value), 0, None, (clean,))
    return None


def overdue_after(*, profile: PolicyProfile | None = None) -> Rule:
    return rule(OVERDUE_DAYS, profile=profile)
