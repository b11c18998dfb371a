"""快转: positive cases, their triage and same-day transfer, treatment, discharge and home monitoring.

A case (病例) is opened from a confirmed positive of the testing queue, or by hand (a hospital's
report, another city's notice). A person has at most one active case. Where the case was found —
isolation site, high-risk area or the open community (社会面) — is derived from the person's state
at confirmation and stored with how it was derived.

Triage (分诊) follows the active policy: asymptomatic and mild cases go to a Fangcang shelter
hospital (方舱医院), moderate, severe and critical cases and the high-risk groups to a designated
hospital (定点医院). Each case waits on the dispatch board as a Transfer with its deadline
(transfer.deadline: the end of the local day of confirmation) until a facility admits it. Beds are
counted per facility and bed type (`FacilityBeds.occupied`); an admission takes a bed with one
conditional UPDATE (… WHERE occupied < capacity), so two dispatchers can never fill the last bed
twice, and a CHECK constraint keeps occupied ≤ capacity in the database itself.

Discharge follows the policy (discharge.*): consecutive qualifying tests, clinical conditions for
moderate cases and above. It frees the bed and starts home health monitoring (居家健康监测), handed
to the person's community; a positive during monitoring reopens care.

Rows that belong to a person carry the ids of the person's places copied at confirmation
(PersonPlaces), so scoped, grouped counts are one indexed filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.geo.models import PERSON_SCOPE, PersonPlaces
from fangkong.policy.models import citation_column, cited_text
from fangkong.results.choices import Result
from fangkong.zoning.choices import FoundIn

from .choices import (
    CASE_ACTIVE,
    TRANSFER_IN_FLIGHT,
    BedType,
    CarePhase,
    CaseSource,
    CaseStatus,
    Classification,
    FacilityKind,
    MonitoringStatus,
    TransferReason,
    TransferStatus,
)
from .querysets import TREATMENT_GRANT, CaseChildQuerySet, CaseQuerySet, FacilityQuerySet, MonitoringQuerySet, TransferQuerySet

THROUGH_CASE = {
    "district": "case__district_id",
    "street": "case__street_id",
    "community": "case__community_id",
    "grid": "case__grid_id",
    TREATMENT_GRANT: "case__facility_id",
}


def _user(label: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=label, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )


class TreatmentFacility(TimeStampedModel):
    """定点医院 or 方舱医院, with its admission rules. Beds are counted per type in FacilityBeds.

    Admission rules: `admission_classes` lists the classifications it admits (empty: by kind — a
    Fangcang admits the policy's triage.fangcang_classes, a hospital every class); `admits_high_risk`
    (empty: by kind — a hospital does, a Fangcang does not); `max_age` if it has an age limit."""

    kind = models.CharField(_("类型"), max_length=16, choices=FacilityKind.choices)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    district = models.ForeignKey("geo.District", verbose_name=_("所在区县"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact = models.CharField(_("联系人及电话"), max_length=100, blank=True)
    is_active = models.BooleanField(_("收治中"), default=True)
    admission_classes = models.JSONField(_("收治分型"), default=list, blank=True)
    admits_high_risk = models.BooleanField(_("收治高风险人群"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("收治年龄上限"), null=True, blank=True)
    admission_note = models.CharField(_("收治说明"), max_length=300, blank=True)

    objects = FacilityQuerySet.as_manager()
    scope_paths = {TREATMENT_GRANT: "id"}

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("定点医院/方舱医院")

    def __str__(self) -> str:
        return self.name


class FacilityBeds(models.Model):
    """A facility's beds of one type: capacity and how many are occupied now."""

    facility = models.ForeignKey(TreatmentFacility, on_delete=models.CASCADE, related_name="beds")
    bed_type = models.CharField(_("床位类型"), max_length=16, choices=BedType.choices)
    capacity = models.PositiveIntegerField(_("床位数"))
    occupied = models.PositiveIntegerField(_("在院人数"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        ordering = ["facility_id", "bed_type"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "bed_type"], name="cases_beds_unique_type"),
            models.CheckConstraint(condition=Q(occupied__lte=F("capacity")), name="cases_beds_occupied_lte_capacity"),
        ]
        verbose_name = _("床位")

    def __str__(self) -> str:
        return f"{self.facility_id} {self.get_bed_type_display()} {self.occupied}/{self.capacity}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.occupied, 0)


class Case(PersonPlaces, TimeStampedModel):
    """病例: one person's infection, from confirmation to the end of home health monitoring."""

    person = models.ForeignKey("geo.Person", verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    classification = models.CharField(_("临床分型"), max_length=16, choices=Classification.choices)
    initial_classification = models.CharField(_("首次分型"), max_length=16, choices=Classification.choices)
    peak_classification = models.CharField(_("最重分型"), max_length=16, choices=Classification.choices)
    risk_factors = models.JSONField(_("重型高危因素"), default=list, blank=True)
    is_imported = models.BooleanField(_("境外输入"), default=False)
    onset_at = models.DateTimeField(_("发病时间"), null=True, blank=True)
    positive_at = models.DateTimeField(_("阳性结果时间"))
    confirmed_at = models.DateTimeField(_("确诊时间"))
    found_in = models.CharField(_("发现场所"), max_length=16, choices=FoundIn.choices)
    found_in_basis = models.CharField(_("发现场所依据"), max_length=300)
    source = models.CharField(_("来源"), max_length=16, choices=CaseSource.choices)
    source_note = models.CharField(_("来源说明"), max_length=300, blank=True)
    reporting_facility = models.ForeignKey(
        "TreatmentFacility", verbose_name=_("报告机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    origin_positive = models.OneToOneField(
        "testing.ConfirmedPositive", verbose_name=_("筛查阳性"), null=True, blank=True, on_delete=models.PROTECT, related_name="case"
    )
    status = models.CharField(_("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    facility = models.ForeignKey(
        TreatmentFacility, verbose_name=_("收治机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    bed_type = models.CharField(_("床位类型"), max_length=16, choices=BedType.choices, blank=True)
    first_admitted_at = models.DateTimeField(_("首次入院时间"), null=True, blank=True)
    admitted_at = models.DateTimeField(_("入院时间"), null=True, blank=True)
    discharged_at = models.DateTimeField(_("出院时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("登记时间"))
    opened_by = _user(_("登记人"))

    objects = CaseQuerySet.as_manager()
    scope_paths = {**PERSON_SCOPE, TREATMENT_GRANT: "facility_id"}

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(status__in=CASE_ACTIVE), name="cases_one_active_case_per_person"),
        ]
        indexes = [
            models.Index(fields=["confirmed_at"], name="cases_case_confirmed"),
            models.Index(fields=["district", "confirmed_at"], name="cases_case_district"),
            models.Index(fields=["community", "status"], name="cases_case_community"),
            models.Index(fields=["person", "status"], name="cases_case_person"),
            models.Index(fields=["facility", "status"], name="cases_case_facility"),
        ]
        verbose_name = _("病例")

    def __str__(self) -> str:
        return f"#{self.pk} {self.person_id} {self.get_classification_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in CASE_ACTIVE


class CaseClassification(models.Model):
    """One clinical classification of a case (the first at opening, then each change)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="classifications")
    classification = models.CharField(_("临床分型"), max_length=16, choices=Classification.choices)
    previous = models.CharField(_("原分型"), max_length=16, choices=Classification.choices, blank=True)
    risk_factors = models.JSONField(_("重型高危因素"), default=list, blank=True)
    classified_at = models.DateTimeField(_("分型时间"))
    classified_by = _user(_("分型人"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = CaseChildQuerySet.as_manager()
    scope_paths = THROUGH_CASE

    class Meta:
        ordering = ["case_id", "classified_at", "id"]
        indexes = [models.Index(fields=["case", "classified_at"], name="cases_class_case_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_classification_display()}"


class Transfer(PersonPlaces, TimeStampedModel):
    """转运: one attempt to bring a case to a facility. A refusal ends the attempt and puts a new one
    on the board with the same deadline; at most one transfer of a case is in flight."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transfers")
    reason = models.CharField(_("转运原因"), max_length=16, choices=TransferReason.choices, default=TransferReason.FIRST)
    status = models.CharField(_("状态"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.AWAITING)
    queued_at = models.DateTimeField(_("待转运时间"))
    deadline_at = models.DateTimeField(_("转运时限"))
    deadline_citation = citation_column(_("时限依据"))  # the text: deadline_rule
    triage_kind = models.CharField(_("分诊去向"), max_length=16, choices=FacilityKind.choices)
    triage_bed_type = models.CharField(_("分诊床位"), max_length=16, choices=BedType.choices)
    triage_citation = citation_column(_("分诊依据"))  # the text: triage_rule
    from_facility = models.ForeignKey(
        TreatmentFacility, verbose_name=_("转出机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_bed_type = models.CharField(_("转出床位"), max_length=16, choices=BedType.choices, blank=True)
    suggested_facility = models.ForeignKey(
        TreatmentFacility, verbose_name=_("建议机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_facility = models.ForeignKey(
        TreatmentFacility, verbose_name=_("收治机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="transfers"
    )
    assigned_bed_type = models.CharField(_("床位类型"), max_length=16, choices=BedType.choices, blank=True)
    vehicle = models.CharField(_("车辆"), max_length=64, blank=True)
    crew = models.CharField(_("随车人员"), max_length=200, blank=True)
    created_by = _user(_("分诊人"))
    dispatched_at = models.DateTimeField(_("派车时间"), null=True, blank=True)
    dispatched_by = _user(_("派车人"))
    picked_up_at = models.DateTimeField(_("接到时间"), null=True, blank=True)
    picked_up_by = _user(_("接运登记人"))
    admitted_at = models.DateTimeField(_("收治时间"), null=True, blank=True)
    admitted_by = _user(_("收治人"))
    refused_at = models.DateTimeField(_("拒收时间"), null=True, blank=True)
    refused_by = _user(_("拒收登记人"))
    refused_reason = models.CharField(_("拒收原因"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancelled_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    previous = models.ForeignKey("self", verbose_name=_("前次转运"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = TransferQuerySet.as_manager()
    scope_paths = {**PERSON_SCOPE, TREATMENT_GRANT: "assigned_facility_id"}

    class Meta:
        ordering = ["deadline_at", "queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(status__in=TRANSFER_IN_FLIGHT), name="cases_one_transfer_in_flight"),
        ]
        indexes = [
            models.Index(fields=["status", "deadline_at"], name="cases_transfer_board"),
            models.Index(fields=["assigned_facility", "status"], name="cases_transfer_facility"),
        ]
        verbose_name = _("转运")

    def __str__(self) -> str:
        return f"#{self.pk} case {self.case_id} {self.get_status_display()}"

    deadline_rule = cited_text("deadline_citation", "The rule that set `deadline_at` (transfer.deadline), cited in full.")
    triage_rule = cited_text("triage_citation", "The triage decision's rules (where to and why), cited in full.")


class HealthMonitoring(PersonPlaces, TimeStampedModel):
    """居家健康监测 after discharge, handed to the person's community (places copied at discharge)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="monitorings")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=MonitoringStatus.choices, default=MonitoringStatus.ACTIVE)
    days = models.PositiveSmallIntegerField(_("监测天数"))
    citation = citation_column(_("依据"))  # the text: rule
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("期满时间"))
    completed_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    completed_by = _user(_("解除人"))
    reopened_at = models.DateTimeField(_("复阳时间"), null=True, blank=True)
    reopened_by = _user(_("复阳登记人"))
    reopened_reason = models.CharField(_("复阳说明"), max_length=300, blank=True)

    objects = MonitoringQuerySet.as_manager()

    class Meta:
        ordering = ["ends_at", "id"]
        indexes = [
            models.Index(fields=["community", "status"], name="cases_monitoring_community"),
            models.Index(fields=["case", "starts_at"], name="cases_monitoring_case"),
        ]
        verbose_name = _("居家健康监测")

    def __str__(self) -> str:
        return f"case {self.case_id} {self.get_status_display()}"

    rule = cited_text("citation", "The rules that set the monitoring's days and its day one, cited in full.")


class Discharge(models.Model):
    """出院: when, from where, by whom, and the criteria as checked (with their policy citations)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="discharges")
    facility = models.ForeignKey(TreatmentFacility, on_delete=models.PROTECT, related_name="+")
    bed_type = models.CharField(_("床位类型"), max_length=16, choices=BedType.choices)
    discharged_at = models.DateTimeField(_("出院时间"))
    discharged_by = _user(_("出院办理人"))
    criteria = models.JSONField(_("出院标准核对"), default=list)  # [{"key", "label", "passed", "detail", "citation"}]
    clinical_affirmed = models.JSONField(_("临床条件"), default=list, blank=True)
    monitoring = models.OneToOneField(HealthMonitoring, on_delete=models.PROTECT, related_name="discharge")
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = CaseChildQuerySet.as_manager()
    scope_paths = {**THROUGH_CASE, TREATMENT_GRANT: "facility_id"}

    class Meta:
        ordering = ["-discharged_at", "-id"]
        indexes = [models.Index(fields=["discharged_at"], name="cases_discharge_at")]
        verbose_name = _("出院")

    def __str__(self) -> str:
        return f"case {self.case_id} {self.discharged_at:%Y-%m-%d}"


class CaseTest(models.Model):
    """A nucleic-acid test of a case during treatment or home monitoring (or a later screening
    positive of the same person, linked to its ConfirmedPositive)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tests")
    phase = models.CharField(_("阶段"), max_length=16, choices=CarePhase.choices)
    monitoring = models.ForeignKey(HealthMonitoring, null=True, blank=True, on_delete=models.PROTECT, related_name="tests")
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices)
    ct_orf1ab = models.FloatField(_("ORF1ab Ct"), null=True, blank=True)
    ct_n = models.FloatField(_("N Ct"), null=True, blank=True)
    sampled_at = models.DateTimeField(_("采样时间"))
    reported_at = models.DateTimeField(_("报告时间"), null=True, blank=True)
    decision_citation = citation_column(_("判定依据"))  # the text: decided_by
    positive = models.ForeignKey(
        "testing.ConfirmedPositive", verbose_name=_("筛查阳性"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = _user(_("登记人"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseChildQuerySet.as_manager()
    scope_paths = THROUGH_CASE

    class Meta:
        ordering = ["case_id", "sampled_at", "id"]
        indexes = [models.Index(fields=["case", "sampled_at"], name="cases_test_case_at")]
        verbose_name = _("病例核酸检测")

    def __str__(self) -> str:
        return f"case {self.case_id} {self.get_result_display()} {self.sampled_at:%Y-%m-%d %H:%M}"

    decided_by = cited_text("decision_citation", "The Ct rule the result was decided under (or the hand-over's reference), cited in full.")

    @property
    def ct_min(self) -> float | None:
        values = [v for v in (self.ct_orf1ab, self.ct_n) if v is not None]
        return min(values) if values else None
