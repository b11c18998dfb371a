"""Statuses of the 快转 loop and the transitions each allows, in one place.

A case:      open (待转运) → admitted (住院治疗) → discharged (出院，居家健康监测) → closed (结案)
             discharged → open again when care is reopened (监测期间复阳); open / admitted → withdrawn.
A transfer:  awaiting (待转运) → dispatched (已派车) → picked_up (已接到) → admitted (已收治);
             dispatched / picked_up → refused (拒收: a new awaiting transfer goes back on the board);
             awaiting → admitted when the facility admits on the spot (就地收治: the person is already there);
             awaiting / dispatched / picked_up → cancelled (the case was withdrawn or discharged).
Home health monitoring: active → completed, or active → reopened (复阳转治疗).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    """Clinical classification (临床分型), in order of severity."""

    ASYMPTOMATIC = "asymptomatic", _("无症状感染者")
    MILD = "mild", _("轻型")
    MODERATE = "moderate", _("普通型")
    SEVERE = "severe", _("重型")
    CRITICAL = "critical", _("危重型")


SEVERITY: dict[str, int] = {c: i for i, c in enumerate(Classification.values)}
# 确诊病例: every class but the asymptomatic infection (the press conference counts the two apart).
CONFIRMED_CLASSES = frozenset({Classification.MILD, Classification.MODERATE, Classification.SEVERE, Classification.CRITICAL})


def more_severe(a: str, b: str) -> str:
    return a if SEVERITY[a] >= SEVERITY[b] else b


class RiskFactor(models.TextChoices):
    """Risk factors for severe disease (重型高危因素); the policy (triage.high_risk_conditions) lists
    those that send a case to a designated hospital. Age is read from the registry, not typed."""

    UNDERLYING_CONDITION = "underlying_condition", _("合并基础疾病（心脑血管、慢性肺病、糖尿病、慢性肝肾病、肿瘤等）")
    IMMUNODEFICIENCY = "immunodeficiency", _("免疫功能缺陷")
    OBESITY = "obesity", _("肥胖（BMI≥30）")
    PREGNANCY = "pregnancy", _("晚期妊娠和围产期")
    HEAVY_SMOKER = "heavy_smoker", _("重度吸烟")


class ClinicalCriterion(models.TextChoices):
    """Clinical discharge conditions (policy discharge.clinical_criteria), affirmed by the clinician."""

    AFEBRILE_3_DAYS = "afebrile_3_days", _("体温恢复正常 3 天以上")
    RESPIRATORY_IMPROVED = "respiratory_improved", _("呼吸道症状明显好转")
    IMAGING_IMPROVED = "imaging_improved", _("肺部影像学显示急性渗出性病变明显改善")


class CaseSource(models.TextChoices):
    QUEUE = "queue", _("核酸筛查阳性")
    HOSPITAL_REPORT = "hospital_report", _("医疗机构报告")
    EXTERNAL_NOTICE = "external_notice", _("外地协查通报")
    ISOLATION = "isolation", _("隔离期间检出")
    OTHER = "other", _("其他途径")


HAND_SOURCES = (CaseSource.HOSPITAL_REPORT, CaseSource.EXTERNAL_NOTICE, CaseSource.OTHER)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("待转运")
    ADMITTED = "admitted", _("住院治疗")
    DISCHARGED = "discharged", _("已出院（居家健康监测）")
    CLOSED = "closed", _("已结案")
    WITHDRAWN = "withdrawn", _("已撤销")


CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.ADMITTED, CaseStatus.WITHDRAWN}),
    CaseStatus.ADMITTED: frozenset({CaseStatus.DISCHARGED, CaseStatus.WITHDRAWN}),
    CaseStatus.DISCHARGED: frozenset({CaseStatus.CLOSED, CaseStatus.OPEN}),  # → open: care reopened
    CaseStatus.CLOSED: frozenset(),
    CaseStatus.WITHDRAWN: frozenset(),
}
# At most one active case per person (a partial unique index holds it).
CASE_ACTIVE = (CaseStatus.OPEN, CaseStatus.ADMITTED, CaseStatus.DISCHARGED)
# 现有病例: under treatment or waiting for it.
CASE_IN_CARE = (CaseStatus.OPEN, CaseStatus.ADMITTED)


class FacilityKind(models.TextChoices):
    HOSPITAL = "hospital", _("定点医院")
    FANGCANG = "fangcang", _("方舱医院")


class BedType(models.TextChoices):
    GENERAL = "general", _("普通床位")
    ICU = "icu", _("重症监护床位（ICU）")


class TransferReason(models.TextChoices):
    FIRST = "first", _("首次转运")
    AFTER_REFUSAL = "after_refusal", _("拒收后重新转运")
    RECLASSIFIED = "reclassified", _("分型变化转院")
    REOPENED = "reopened", _("复阳再收治")


class TransferStatus(models.TextChoices):
    AWAITING = "awaiting", _("待转运")
    DISPATCHED = "dispatched", _("已派车")
    PICKED_UP = "picked_up", _("已接到")
    ADMITTED = "admitted", _("已收治")
    REFUSED = "refused", _("拒收")
    CANCELLED = "cancelled", _("已取消")


TRANSFER_TRANSITIONS: dict[str, frozenset[str]] = {
    TransferStatus.AWAITING: frozenset({TransferStatus.DISPATCHED, TransferStatus.ADMITTED, TransferStatus.CANCELLED}),
    TransferStatus.DISPATCHED: frozenset({TransferStatus.PICKED_UP, TransferStatus.REFUSED, TransferStatus.CANCELLED}),
    TransferStatus.PICKED_UP: frozenset({TransferStatus.ADMITTED, TransferStatus.REFUSED, TransferStatus.CANCELLED}),
    TransferStatus.ADMITTED: frozenset(),
    TransferStatus.REFUSED: frozenset(),
    TransferStatus.CANCELLED: frozenset(),
}
# On the board (one per case at most: a partial unique index holds it).
TRANSFER_IN_FLIGHT = (TransferStatus.AWAITING, TransferStatus.DISPATCHED, TransferStatus.PICKED_UP)
# On the way to a facility: counted against its free beds on the board.
TRANSFER_EN_ROUTE = (TransferStatus.DISPATCHED, TransferStatus.PICKED_UP)


class CarePhase(models.TextChoices):
    TREATMENT = "treatment", _("治疗期间")
    MONITORING = "monitoring", _("居家健康监测期间")


class MonitoringStatus(models.TextChoices):
    ACTIVE = "active", _("健康监测中")
    COMPLETED = "completed", _("已解除")
    REOPENED = "reopened", _("复阳转治疗")


MONITORING_TRANSITIONS: dict[str, frozenset[str]] = {
    MonitoringStatus.ACTIVE: frozenset({MonitoringStatus.COMPLETED, MonitoringStatus.REOPENED}),
    MonitoringStatus.COMPLETED: frozenset(),
    MonitoringStatus.REOPENED: frozenset(),
}
