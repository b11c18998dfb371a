"""Serializers of the 快转 API. They only shape data: the rules live in services and selectors.

People appear by name, sex, birth year and masked document number only (150102********123X), never
the cipher text, the look-up hash, a birth date or an exact age (decision 0005: the masked number
hides exactly the birth date). Request serializers only check types; the services check the rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from fangkong.core.api import MomentField
from fangkong.results.choices import Result
from fangkong.zoning.choices import FoundIn

from ..choices import (
    BedType,
    CaseSource,
    CaseStatus,
    Classification,
    ClinicalCriterion,
    FacilityKind,
    MonitoringStatus,
    RiskFactor,
    TransferReason,
    TransferStatus,
)
from ..models import Case, CaseClassification, CaseTest, Discharge, HealthMonitoring, Transfer, TreatmentFacility

HAND_SOURCE_CHOICES = [(c.value, c.label) for c in (CaseSource.HOSPITAL_REPORT, CaseSource.EXTERNAL_NOTICE, CaseSource.OTHER)]
AT_HELP = "ISO 8601; without an offset it is Beijing time; default now. May not be in the future"


class PersonFieldsMixin(serializers.Serializer):
    """The person of a row, as the pages show them: name, sex, birth year, masked document number."""

    name = serializers.CharField(source="person.name", read_only=True)
    id_masked = serializers.CharField(source="person.id_masked", read_only=True, help_text="Masked document number")
    sex = serializers.CharField(source="person.sex", read_only=True)
    birth_year = serializers.IntegerField(
        source="person.birth_year", read_only=True, allow_null=True, help_text="Year of birth (never the date nor an exact age)"
    )
    birth_year_to = serializers.IntegerField(
        source="person.birth_year_to",
        read_only=True,
        allow_null=True,
        help_text="Equal to birth_year except for a baby recorded early in the year after its birth: born in birth_year … birth_year_to",
    )


# ---- facilities ----


class BedFiguresSerializer(serializers.Serializer):
    bed_type = serializers.ChoiceField(choices=BedType.choices)
    capacity = serializers.IntegerField()
    occupied = serializers.IntegerField(help_text="Patients in these beds now")
    en_route = serializers.IntegerField(help_text="Patients dispatched here and not yet admitted")
    free = serializers.IntegerField(help_text="capacity − occupied")
    free_after_arrivals = serializers.IntegerField(help_text="capacity − occupied − en_route")


class FacilitySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=FacilityKind.choices, read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True)
    beds = BedFiguresSerializer(many=True, read_only=True, source="bed_figures", help_text="By bed type")
    capacity = serializers.IntegerField(read_only=True, help_text="All bed types")
    occupied = serializers.IntegerField(read_only=True)
    en_route = serializers.IntegerField(read_only=True)
    free = serializers.IntegerField(read_only=True)

    class Meta:
        model = TreatmentFacility
        fields = [
            "id",
            "kind",
            "name",
            "district",
            "district_name",
            "address",
            "contact",
            "is_active",
            "admission_classes",
            "admits_high_risk",
            "max_age",
            "admission_note",
            "capacity",
            "occupied",
            "en_route",
            "free",
            "beds",
        ]


class KindTotalsSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FacilityKind.choices)
    capacity = serializers.IntegerField()
    occupied = serializers.IntegerField()
    en_route = serializers.IntegerField()
    free = serializers.IntegerField()
    free_after_arrivals = serializers.IntegerField()


class OccupancySerializer(serializers.Serializer):
    by_kind = KindTotalsSerializer(many=True, help_text="Totals of the active facilities, by kind")


# ---- cases ----


class CaseSerializer(PersonFieldsMixin, serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True, allow_null=True)
    district_name = serializers.CharField(source="district.name", read_only=True, allow_null=True)
    classification = serializers.ChoiceField(choices=Classification.choices, read_only=True)
    status = serializers.ChoiceField(choices=CaseStatus.choices, read_only=True)
    found_in = serializers.ChoiceField(choices=FoundIn.choices, read_only=True)
    source = serializers.ChoiceField(choices=CaseSource.choices, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "person",
            "name",
            "id_masked",
            "sex",
            "birth_year",
            "birth_year_to",
            "district",
            "district_name",
            "street",
            "community",
            "grid",
            "household",
            "classification",
            "initial_classification",
            "peak_classification",
            "risk_factors",
            "is_imported",
            "onset_at",
            "positive_at",
            "confirmed_at",
            "found_in",
            "found_in_basis",
            "source",
            "source_note",
            "status",
            "facility",
            "facility_name",
            "bed_type",
            "first_admitted_at",
            "admitted_at",
            "discharged_at",
            "closed_at",
            "opened_at",
        ]


class ClassificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseClassification
        fields = ["id", "classification", "previous", "risk_factors", "classified_at", "note"]


class CaseTestSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(read_only=True)  # stored once per text (RuleCitation): load with select_related

    class Meta:
        model = CaseTest
        fields = ["id", "case", "phase", "monitoring", "result", "ct_orf1ab", "ct_n", "sampled_at", "reported_at", "decided_by", "positive"]


class TransferSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=TransferStatus.choices, read_only=True)
    reason = serializers.ChoiceField(choices=TransferReason.choices, read_only=True)
    assigned_facility_name = serializers.CharField(source="assigned_facility.name", read_only=True, allow_null=True)
    deadline_rule = serializers.CharField(read_only=True)  # stored once per text (RuleCitation): load with select_related
    triage_rule = serializers.CharField(read_only=True)  # likewise

    class Meta:
        model = Transfer
        fields = [
            "id",
            "case",
            "reason",
            "status",
            "queued_at",
            "deadline_at",
            "deadline_rule",
            "triage_kind",
            "triage_bed_type",
            "triage_rule",
            "from_facility",
            "from_bed_type",
            "suggested_facility",
            "assigned_facility",
            "assigned_facility_name",
            "assigned_bed_type",
            "vehicle",
            "crew",
            "dispatched_at",
            "picked_up_at",
            "admitted_at",
            "refused_at",
            "refused_reason",
            "cancelled_at",
            "cancelled_reason",
            "previous",
        ]


class MonitoringSerializer(PersonFieldsMixin, serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=MonitoringStatus.choices, read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True, allow_null=True)
    rule = serializers.CharField(read_only=True)  # stored once per text (RuleCitation): load with select_related

    class Meta:
        model = HealthMonitoring
        fields = [
            "id",
            "case",
            "person",
            "name",
            "id_masked",
            "sex",
            "birth_year",
            "birth_year_to",
            "district",
            "street",
            "community",
            "community_name",
            "grid",
            "household",
            "status",
            "days",
            "rule",
            "starts_at",
            "ends_at",
            "completed_at",
            "reopened_at",
            "reopened_reason",
        ]


class DischargeSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    monitoring = MonitoringSerializer(read_only=True)

    class Meta:
        model = Discharge
        fields = [
            "id",
            "case",
            "facility",
            "facility_name",
            "bed_type",
            "discharged_at",
            "criteria",
            "clinical_affirmed",
            "note",
            "monitoring",
        ]


class CaseDetailSerializer(CaseSerializer):
    reporting_facility_name = serializers.CharField(source="reporting_facility.name", read_only=True, allow_null=True)
    classifications = ClassificationSerializer(many=True, read_only=True)
    transfers = TransferSerializer(many=True, read_only=True)
    tests = CaseTestSerializer(many=True, read_only=True)
    discharges = DischargeSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "origin_positive",
            "reporting_facility",
            "reporting_facility_name",
            "withdrawn_reason",
            "classifications",
            "transfers",
            "tests",
            "discharges",
        ]


class TimelineStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="result, case_opened, classified, triage, dispatched, picked_up, admitted, refused, …")
    label = serializers.CharField()
    actor = serializers.CharField()
    detail = serializers.CharField()
    basis = serializers.CharField(help_text="The rule behind the step with its source (the triage's 依据); empty when none")
    case_id = serializers.IntegerField(allow_null=True)


# ---- the board ----


class SuggestionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FacilityKind.choices, help_text="Where the policy sends the case")
    bed_type = serializers.ChoiceField(choices=BedType.choices)
    facility = serializers.IntegerField(allow_null=True, help_text="The suggested facility (none: no free bed that fits)")
    facility_name = serializers.CharField(allow_null=True)
    free = serializers.IntegerField(allow_null=True, help_text="Its free beds of that type, net of patients en route")
    note = serializers.CharField(help_text="Why there is no suggestion, when there is none")
    rule = serializers.CharField(help_text="The triage rules applied, each with its citation")


class BoardItemSerializer(serializers.Serializer):
    transfer = TransferSerializer()
    case = CaseSerializer()
    overdue = serializers.BooleanField()
    remaining_minutes = serializers.IntegerField(help_text="Minutes to the deadline (negative: overdue)")
    refusals = serializers.IntegerField(help_text="Earlier refusals of this case")
    suggestion = SuggestionSerializer(allow_null=True, help_text="For transfers still awaiting a vehicle")


def board_item_body(item: Any) -> dict[str, Any]:
    s = item.suggestion
    suggestion = None
    if s is not None:
        suggestion = {
            "kind": s.kind,
            "bed_type": s.bed_type,
            "facility": s.facility.facility_id if s.facility else None,
            "facility_name": s.facility.name if s.facility else None,
            "free": s.facility.free if s.facility else None,
            "note": s.note,
            "rule": s.decision.rule_text,
        }
    return {
        "transfer": item.transfer,
        "case": item.case,
        "overdue": item.overdue,
        "remaining_minutes": int(item.remaining.total_seconds() // 60),
        "refusals": item.refusals,
        "suggestion": suggestion,
    }


class BoardQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in (TransferStatus.AWAITING, TransferStatus.DISPATCHED, TransferStatus.PICKED_UP)],
        required=False,
    )
    district = serializers.IntegerField(required=False)
    community = serializers.IntegerField(required=False)
    triage_kind = serializers.ChoiceField(choices=FacilityKind.choices, required=False)
    overdue = serializers.BooleanField(required=False, default=False, help_text="Only those past their deadline")


# ---- requests ----


class CaseOpenSerializer(serializers.Serializer):
    person = serializers.IntegerField(help_text="Registry id of the person (must be in your jurisdiction)")
    classification = serializers.ChoiceField(choices=Classification.choices)
    confirmed_at = MomentField(help_text=AT_HELP.replace("; default now", ""))
    source = serializers.ChoiceField(choices=HAND_SOURCE_CHOICES)
    source_note = serializers.CharField(max_length=300, help_text="The reporting hospital or the notifying city")
    onset_at = MomentField(required=False, allow_null=True)
    positive_at = MomentField(required=False, allow_null=True, help_text="Default: confirmed_at")
    risk_factors = serializers.ListField(child=serializers.ChoiceField(choices=RiskFactor.choices), required=False)
    is_imported = serializers.BooleanField(required=False, default=False)
    reporting_facility = serializers.IntegerField(
        required=False, allow_null=True, help_text="A facility's own report (it may admit on the spot)"
    )


class ClassifySerializer(serializers.Serializer):
    classification = serializers.ChoiceField(choices=Classification.choices)
    risk_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=RiskFactor.choices), required=False, allow_null=True, help_text="Default: unchanged"
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    at = MomentField(required=False, help_text=AT_HELP)


class ClassifyOutcomeSerializer(serializers.Serializer):
    case = CaseSerializer()
    changed = serializers.BooleanField()
    transfer = TransferSerializer(allow_null=True, help_text="A new transfer to another facility or bed type, when needed")
    warning = serializers.CharField(help_text="E.g. the patient is on the way to a facility that no longer fits")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    at = MomentField(required=False, help_text=AT_HELP)


class TestRequestSerializer(serializers.Serializer):
    sampled_at = MomentField()
    result = serializers.ChoiceField(
        choices=Result.choices, required=False, allow_blank=True, help_text="Decided from the Ct values when given"
    )
    ct_orf1ab = serializers.FloatField(required=False, allow_null=True)
    ct_n = serializers.FloatField(required=False, allow_null=True)
    reported_at = MomentField(required=False, allow_null=True)


class MonitoringTestOutcomeSerializer(serializers.Serializer):
    test = CaseTestSerializer()
    reopened = TransferSerializer(allow_null=True, help_text="A positive reopens care: the new transfer on the board")


class DispatchedSerializer(TransferSerializer):
    arrivals_warning = serializers.CharField(
        read_only=True, help_text="Set when the patients on the way to that bed type outnumber its free beds; else empty"
    )

    class Meta(TransferSerializer.Meta):
        fields = [*TransferSerializer.Meta.fields, "arrivals_warning"]


class DispatchSerializer(serializers.Serializer):
    vehicle = serializers.CharField(max_length=64, help_text="Plate or number of the vehicle")
    crew = serializers.CharField(max_length=200, required=False, allow_blank=True)
    facility = serializers.IntegerField(required=False, allow_null=True, help_text="Default: the live suggestion")
    bed_type = serializers.ChoiceField(choices=BedType.choices, required=False, allow_blank=True, help_text="Default: the triage's")
    at = MomentField(required=False, help_text=AT_HELP)


class AtSerializer(serializers.Serializer):
    at = MomentField(required=False, help_text=AT_HELP)


class AdmitSerializer(serializers.Serializer):
    at = MomentField(required=False, help_text=AT_HELP)
    facility = serializers.IntegerField(
        required=False, allow_null=True, help_text="For an admission on the spot (就地收治); default: the caller's only facility"
    )
    bed_type = serializers.ChoiceField(choices=BedType.choices, required=False, allow_blank=True, help_text="Default: the assigned one")


class RefusedSerializer(serializers.Serializer):
    refused = TransferSerializer(help_text="The attempt that ended, with its reason")
    back_on_board = TransferSerializer(help_text="The new awaiting transfer, same deadline")


class CriterionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The policy key")
    label = serializers.CharField()
    passed = serializers.BooleanField()
    detail = serializers.CharField()
    citation = serializers.CharField()


class DischargeCheckSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    criteria = CriterionSerializer(many=True)
    tests_used = serializers.ListField(child=serializers.IntegerField(), help_text="The qualifying tests counted")
    latest_test_at = serializers.DateTimeField(allow_null=True)


class DischargeQuerySerializer(serializers.Serializer):
    clinical = serializers.MultipleChoiceField(
        choices=ClinicalCriterion.choices, required=False, help_text="Clinical conditions affirmed (repeat the parameter)"
    )
    at = MomentField(required=False, help_text="Check as of this time (tests sampled later are ignored)")


class DischargeRequestSerializer(serializers.Serializer):
    clinical = serializers.ListField(
        child=serializers.ChoiceField(choices=ClinicalCriterion.choices),
        required=False,
        help_text="Clinical conditions the clinician affirms",
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
    at = MomentField(required=False, help_text=AT_HELP)


# ---- the day's figures ----


class AdmissionTimesSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(help_text="Positives of the day")
    admitted = serializers.IntegerField(help_text="…admitted since")
    same_day = serializers.IntegerField(help_text="…admitted before the day's end")
    same_day_share = serializers.FloatField(allow_null=True)
    median_hours = serializers.FloatField(allow_null=True, help_text="Positive result → first admission")
    p90_hours = serializers.FloatField(allow_null=True)


class DistrictFiguresSerializer(serializers.Serializer):
    district = serializers.IntegerField(source="district_id", allow_null=True)
    name = serializers.CharField()
    new_confirmed = serializers.IntegerField()
    new_asymptomatic = serializers.IntegerField()
    found_controlled = serializers.IntegerField(help_text="Found in isolation or controlled areas")
    found_community = serializers.IntegerField(help_text="Found in the community (社会面)")
    discharged = serializers.IntegerField()
    under_treatment = serializers.IntegerField()
    admission = AdmissionTimesSerializer()


class DayFiguresSerializer(serializers.Serializer):
    date = serializers.DateField()
    new_confirmed = serializers.IntegerField(help_text="New local confirmed cases (by their first classification)")
    new_asymptomatic = serializers.IntegerField()
    converted = serializers.IntegerField(help_text="Asymptomatic infections reclassified as confirmed that day")
    new_imported = serializers.IntegerField()
    found_isolation_site = serializers.IntegerField()
    found_controlled = serializers.IntegerField()
    found_community = serializers.IntegerField()
    found_under_control = serializers.IntegerField(help_text="found_isolation_site + found_controlled")
    discharged = serializers.IntegerField()
    cumulative_confirmed = serializers.IntegerField()
    cumulative_asymptomatic = serializers.IntegerField()
    cumulative_discharged = serializers.IntegerField()
    under_treatment_confirmed = serializers.IntegerField()
    under_treatment_asymptomatic = serializers.IntegerField()
    under_treatment = serializers.IntegerField()
    admission = AdmissionTimesSerializer()
    by_district = DistrictFiguresSerializer(many=True)
    zh = serializers.CharField(help_text="The press-conference sentence in Chinese")


class DayQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="The Beijing calendar day (YYYY-MM-DD); default today")


def today() -> dt.date:
    return timezone.localdate()
