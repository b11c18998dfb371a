"""Triage (分诊): which kind of facility and bed a case needs, and which facility to suggest.

Pure functions of the policy values and the facilities' state — no database, no clock — so the
board, the dispatch service and the tests all get the same answer for the same input.

Rules (active policy, each decision cites its rule):
- classification in triage.hospital_classes (moderate, severe, critical) → designated hospital;
- age ≥ triage.high_risk_age, or a risk factor in triage.high_risk_conditions → designated hospital;
- classification in triage.fangcang_classes (asymptomatic, mild) → Fangcang shelter hospital;
- a class in neither list → designated hospital (the safer side), said so;
- classification in triage.icu_classes (severe, critical) → an ICU bed, else a general bed.
Facility suggestion: among active facilities of that kind that admit the case (their admission
rules) and have a free bed of that type, the one in the case's district first, then the most free
beds, then by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..choices import BedType, Classification, FacilityKind, RiskFactor


@dataclass(frozen=True)
class TriagePolicy:
    fangcang_classes: frozenset[str]
    hospital_classes: frozenset[str]
    icu_classes: frozenset[str]
    high_risk_age: int | None
    high_risk_conditions: frozenset[str]
    citations: Mapping[str, str] = field(default_factory=dict)

    def cite(self, key: str) -> str:
        return self.citations.get(key, key)


@dataclass(frozen=True)
class FacilityOption:
    """One facility's beds of one type, as triage sees them (`free` already net of patients en route)."""

    facility_id: int
    name: str
    kind: str
    district_id: int | None
    bed_type: str
    free: int
    admission_classes: tuple[str, ...] = ()
    admits_high_risk: bool | None = None
    max_age: int | None = None
    is_active: bool = True


@dataclass(frozen=True)
class AdmissionRefusal:
    message: str
    rule: str
    source: str


@dataclass(frozen=True)
class TriageDecision:
    kind: str
    bed_type: str
    high_risk: tuple[str, ...]  # "age" and/or risk-factor codes that count under the policy
    reasons: tuple[str, ...]  # one line per rule applied, each with its citation

    @property
    def rule_text(self) -> str:
        return "\n".join(self.reasons)


@dataclass(frozen=True)
class TriageSuggestion:
    decision: TriageDecision
    facility: FacilityOption | None
    candidates: tuple[FacilityOption, ...]  # every facility that would admit the case, best first
    note: str  # why there is no suggestion, when there is none

    @property
    def kind(self) -> str:
        return self.decision.kind

    @property
    def bed_type(self) -> str:
        return self.decision.bed_type


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def triage_decide(*, classification: str, age: int | None, risk_factors: Iterable[str], policy: TriagePolicy) -> TriageDecision:
    """The kind of facility and bed the policy sends this case to, with the reasons."""
    reasons: list[str] = []
    high_risk: list[str] = []
    cls = _label(Classification, classification)
    if policy.high_risk_age is not None and age is not None and age >= policy.high_risk_age:
        high_risk.append("age")
        # The reasons are stored (Transfer.triage_rule) and shown: they name the limit, never the
        # patient's exact age, which with the birth year would tell the birthday (decision 0005).
        reasons.append(
            _("年满 %(limit)s 岁，属高风险人群：%(c)s") % {"limit": policy.high_risk_age, "c": policy.cite("triage.high_risk_age")}
        )
    factors = [f for f in risk_factors if f in policy.high_risk_conditions]
    if factors:
        high_risk.extend(factors)
        names = "、".join(_label(RiskFactor, f) for f in factors)
        reasons.append(_("%(f)s，属高风险人群：%(c)s") % {"f": names, "c": policy.cite("triage.high_risk_conditions")})
    if classification in policy.hospital_classes:
        kind = FacilityKind.HOSPITAL
        reasons.insert(0, _("分型“%(cls)s”收治定点医院：%(c)s") % {"cls": cls, "c": policy.cite("triage.hospital_classes")})
    elif high_risk:
        kind = FacilityKind.HOSPITAL
        reasons.append(_("高风险人群收治定点医院"))
    elif classification in policy.fangcang_classes:
        kind = FacilityKind.FANGCANG
        reasons.insert(0, _("分型“%(cls)s”收治方舱医院：%(c)s") % {"cls": cls, "c": policy.cite("triage.fangcang_classes")})
    else:
        kind = FacilityKind.HOSPITAL
        reasons.insert(0, _("分型“%(cls)s”不在政策的方舱或定点医院分型中，按定点医院处理") % {"cls": cls})
    if classification in policy.icu_classes:
        bed_type = BedType.ICU
        reasons.append(_("分型“%(cls)s”收入重症监护床位：%(c)s") % {"cls": cls, "c": policy.cite("triage.icu_classes")})
    else:
        bed_type = BedType.GENERAL
    return TriageDecision(kind=kind, bed_type=bed_type, high_risk=tuple(high_risk), reasons=tuple(reasons))


def admission_refusal(
    option: FacilityOption, *, classification: str, age: int | None, high_risk: Sequence[str], policy: TriagePolicy
) -> AdmissionRefusal | None:
    """Why this facility may not admit this case under its admission rules (None: it may).

    Unset rules follow the kind: a Fangcang admits the policy's triage.fangcang_classes and no
    high-risk patient; a designated hospital admits every class and the high-risk groups."""
    if not option.is_active:
        return AdmissionRefusal(_("“%(f)s”已停止收治") % {"f": option.name}, "cases.facility_inactive", option.name)
    if option.admission_classes:
        classes, rule, source = frozenset(option.admission_classes), "cases.facility_admission", _("“%(f)s”收治规则") % {"f": option.name}
    elif option.kind == FacilityKind.FANGCANG:
        classes, rule, source = policy.fangcang_classes, "triage.fangcang_classes", policy.cite("triage.fangcang_classes")
    else:
        classes, rule, source = frozenset(Classification.values), "", ""
    if classification not in classes:
        return AdmissionRefusal(
            _("“%(f)s”不收治“%(cls)s”病例（收治分型：%(allowed)s）")
            % {
                "f": option.name,
                "cls": _label(Classification, classification),
                "allowed": "、".join(_label(Classification, c) for c in Classification.values if c in classes) or "—",
            },
            rule,
            source,
        )
    admits_high_risk = option.admits_high_risk if option.admits_high_risk is not None else option.kind == FacilityKind.HOSPITAL
    if high_risk and not admits_high_risk:
        if option.admits_high_risk is None:
            key = "triage.high_risk_age" if "age" in high_risk else "triage.high_risk_conditions"
            rule, source = key, policy.cite(key)
        else:
            rule, source = "cases.facility_admission", _("“%(f)s”收治规则") % {"f": option.name}
        return AdmissionRefusal(_("“%(f)s”不收治高风险人群，应收治定点医院") % {"f": option.name}, rule, source)
    if option.max_age is not None and age is not None and age > option.max_age:
        return AdmissionRefusal(
            _("“%(f)s”收治年龄上限为 %(max)s 岁，患者超过此年龄") % {"f": option.name, "max": option.max_age},
            "cases.facility_admission",
            _("“%(f)s”收治规则") % {"f": option.name},
        )
    return None


def triage_suggest(
    *,
    classification: str,
    age: int | None,
    risk_factors: Iterable[str],
    district_id: int | None,
    policy: TriagePolicy,
    facilities: Iterable[FacilityOption],
) -> TriageSuggestion:
    """The decision, and the facility to suggest: same district first, then most free beds."""
    decision = triage_decide(classification=classification, age=age, risk_factors=risk_factors, policy=policy)
    fitting = [
        f
        for f in facilities
        if f.kind == decision.kind
        and f.bed_type == decision.bed_type
        and admission_refusal(f, classification=classification, age=age, high_risk=decision.high_risk, policy=policy) is None
    ]
    ranked = sorted(fitting, key=lambda f: (f.free <= 0, f.district_id != district_id, -f.free, f.name, f.facility_id))
    best = ranked[0] if ranked and ranked[0].free > 0 else None
    note = ""
    if best is None:
        place = {"kind": _label(FacilityKind, decision.kind), "bed": _label(BedType, decision.bed_type)}
        note = _("没有空余的%(kind)s%(bed)s") % place if fitting else _("没有可收治该病例的%(kind)s%(bed)s") % place
    return TriageSuggestion(decision=decision, facility=best, candidates=tuple(ranked), note=note)
