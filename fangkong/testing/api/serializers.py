"""Serializers of the 快检 API. They only shape data: the rules live in services and selectors.

People appear by name and masked document number only (150102********123X), never the cipher
text or the look-up hash. Request bodies that can carry thousands of rows (bindings) are parsed
by `api.bindings`, not by these serializers; the row serializers here describe them in the schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from fangkong.core.api import MomentField, RowErrorSerializer
from fangkong.zoning.choices import FoundIn

from ..barcodes import MAX_LENGTH as MAX_BARCODE
from ..barcodes import validate_barcode
from ..choices import CheckOutcome, PoolingMode, PositiveStatus, ResamplingReason, ResamplingStatus, StickerStatus, UnmatchedReason
from ..models import ConfirmedPositive, ResamplingTask, ResultUpload, RoundArea, SamplingPoint, TestingRound, Tube, TubeMember, TubeResult
from ..selectors import COVERAGE_LEVELS
from .bindings import MAX_BINDINGS


def barcode_field(**kwargs: Any) -> serializers.CharField:
    """A tube barcode: the one rule (fangkong.testing.barcodes)."""
    return serializers.CharField(max_length=MAX_BARCODE, validators=[validate_barcode], **kwargs)


# ---- rounds, coverage, press report ----


class RoundAreaSerializer(serializers.ModelSerializer):
    pooling_rule = serializers.CharField(read_only=True)  # stored once per text (RuleCitation)

    class Meta:
        model = RoundArea
        fields = ["level", "place_id", "place_name", "area_class", "pooling_mode", "pooling_rule"]


class RoundSerializer(serializers.ModelSerializer):
    areas = RoundAreaSerializer(many=True, read_only=True)
    deadline_rule = serializers.CharField(read_only=True)  # stored once per text (RuleCitation): load with select_related

    class Meta:
        model = TestingRound
        fields = [
            "id",
            "number",
            "name",
            "status",
            "starts_at",
            "deadline_at",
            "deadline_rule",
            "result_deadline_hours",
            "areas",
        ]


class CoverageQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=list(COVERAGE_LEVELS), default="city", help_text="The level of `place` (city needs no place)")
    place = serializers.IntegerField(required=False, help_text="Id of the place at `level`")
    group_by = serializers.ChoiceField(
        choices=[k for k in COVERAGE_LEVELS if k != "city"],
        required=False,
        help_text="Break down by this level instead of the one below `level` (e.g. every grid at once)",
    )


class CoverageSerializer(serializers.Serializer):
    place_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    residents = serializers.IntegerField(help_text="Residents in the round's scope")
    sampled = serializers.IntegerField()
    results_back = serializers.IntegerField()
    positive = serializers.IntegerField(
        allow_null=True,
        help_text="Confirmed positives; null for a building, unit or household when the caller lacks cases.view "
        "(a count that small names a resident's result)",
    )
    awaiting_retest = serializers.IntegerField(
        allow_null=True, help_text="Members of positive pooled tubes awaiting their re-test; null where `positive` is"
    )
    explained = serializers.IntegerField(help_text="Not sampled, with a reason recorded by door-knocking")
    missing = serializers.IntegerField(help_text="residents − sampled")
    sampled_rate = serializers.FloatField()


class CoverageReportSerializer(serializers.Serializer):
    level = serializers.CharField()
    place = serializers.IntegerField(allow_null=True)
    child_level = serializers.CharField(allow_null=True)
    totals = CoverageSerializer()
    children = CoverageSerializer(many=True)


class DistrictCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    positives = serializers.IntegerField()


class PressReportSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    sampled = serializers.IntegerField()
    resulted = serializers.IntegerField()
    positives = serializers.IntegerField()
    by_district = DistrictCountSerializer(many=True)
    in_control = serializers.IntegerField(help_text="Found in isolation or controlled areas")
    in_community = serializers.IntegerField(help_text="Found in the community (社会面)")
    zh = serializers.CharField(help_text="The press-conference sentence in Chinese")
    en = serializers.CharField(help_text="The same in English")


# ---- sampling points, tubes ----


class SamplingPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = SamplingPoint
        fields = [
            "id",
            "name",
            "district",
            "street",
            "community",
            "grid",
            "address",
            "opening_hours",
            "staff_names",
            "is_active",
        ]


class TubeMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_masked = serializers.CharField(source="person.id_masked", read_only=True, help_text="Masked document number")

    class Meta:
        model = TubeMember
        fields = ["person", "name", "id_masked", "household", "grid", "is_resample", "sampled_at"]


class TubeResultSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(read_only=True)  # stored once per text (RuleCitation): load with select_related

    class Meta:
        model = TubeResult
        fields = [
            "id",
            "result",
            "ct_orf1ab",
            "ct_n",
            "reported_at",
            "laboratory",
            "decided_by",
            "source",
            "source_row",
            "is_current",
            "created_at",
        ]


class TubeSerializer(serializers.ModelSerializer):
    sampling_point_name = serializers.CharField(source="sampling_point.name", read_only=True)
    laboratory_name = serializers.CharField(source="laboratory.name", read_only=True, allow_null=True)
    members = TubeMemberSerializer(
        many=True, read_only=True, source="member_rows", help_text="Name and masked ID number; empty for laboratories"
    )
    results = TubeResultSerializer(many=True, read_only=True, source="result_rows", help_text="The current result first, then corrections")

    class Meta:
        model = Tube
        fields = [
            "id",
            "round",
            "barcode",
            "sampling_point",
            "sampling_point_name",
            "district",
            "street",
            "community",
            "pooling_mode",
            "capacity",
            "member_count",
            "is_resample",
            "status",
            "opened_at",
            "sampled_at",
            "closed_at",
            "deadline_at",
            "laboratory",
            "laboratory_name",
            "received_at",
            "resulted_at",
            "result",
            "members",
            "results",
        ]


class TubeOpenSerializer(serializers.Serializer):
    barcode = barcode_field()
    sampling_point = serializers.IntegerField()
    pooling_mode = serializers.ChoiceField(
        choices=PoolingMode.choices, required=False, allow_blank=True, help_text="Defaults to the area's pooling (active policy)"
    )


# ---- bindings (schema only: parsed by api.bindings) ----


class BindingRowSerializer(serializers.Serializer):
    barcode = barcode_field(help_text="Tube barcode; a new barcode opens a tube")
    id_number = serializers.CharField(required=False, help_text="Document number as scanned (or give person_id)")
    person_id = serializers.IntegerField(required=False, help_text="Registry id of the person (instead of id_number)")
    sampling_point = serializers.IntegerField(required=False, help_text="Needed for a new tube unless given for the request")
    sampled_at = MomentField(required=False, help_text="ISO 8601; without an offset it is Beijing time; default now")
    pooling_mode = serializers.ChoiceField(choices=PoolingMode.choices, required=False, help_text="For a new tube; default the area's")


class BindingRequestSerializer(serializers.Serializer):
    sampling_point = serializers.IntegerField(required=False, help_text="Default sampling point for rows that name none")
    pooling_mode = serializers.ChoiceField(choices=PoolingMode.choices, required=False, help_text="Default pooling for new tubes")
    partial = serializers.BooleanField(
        default=False,
        help_text="false (default): all or nothing. true: write the rows that pass and return the others in `refused`",
    )
    bindings = BindingRowSerializer(many=True, help_text=f"At most {MAX_BINDINGS:,} rows")


class BindReportSerializer(serializers.Serializer):
    members_added = serializers.IntegerField()
    tubes_opened = serializers.IntegerField()
    tubes_closed = serializers.IntegerField()
    closed_barcodes = serializers.ListField(child=serializers.CharField(), help_text="The first 100 tubes closed because full")
    refused = RowErrorSerializer(many=True, help_text="Only with partial=true: the rows not written")


# ---- laboratory ----


class ReceiptRequestSerializer(serializers.Serializer):
    laboratory = serializers.IntegerField(required=False, help_text="Default: the caller's only laboratory")
    barcodes = serializers.ListField(child=barcode_field(), allow_empty=False, max_length=MAX_BINDINGS)


class ReceiveReportSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    already = serializers.IntegerField(help_text="Already received by this laboratory (unchanged)")


class ResultFileSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or GBK), .xlsx, or a FHIR Bundle as .json")
    laboratory = serializers.IntegerField(required=False, help_text="Default: the caller's only laboratory")


class UnmatchedSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    barcode = serializers.CharField()
    reason = serializers.ChoiceField(choices=UnmatchedReason.choices)


class ReceivedAtUploadSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    barcode = serializers.CharField()


class IngestReportSerializer(serializers.Serializer):
    upload = serializers.IntegerField(required=False, help_text="The result upload that keeps the file and this report")
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    superseded = serializers.IntegerField(help_text="Corrections: a different result replaced the current one")
    unchanged = serializers.IntegerField(help_text="The same result was already recorded")
    applied = serializers.IntegerField(help_text="created + superseded")
    unmatched = UnmatchedSerializer(many=True, help_text="Kept and reported, not applied")
    received_at_upload = ReceivedAtUploadSerializer(
        many=True, help_text="Tubes the lab had not signed for (接收): recorded as received by this laboratory at the upload's time"
    )
    positives_confirmed = serializers.IntegerField()
    pool_positive_tubes = serializers.IntegerField()
    controls_started = serializers.IntegerField()
    resampling_tasks = serializers.IntegerField()
    controls_lifted = serializers.IntegerField()
    decided_by = serializers.CharField(help_text="The policy rule that decided positive/negative")


CONSEQUENCES = ("positives_confirmed", "pool_positive_tubes", "controls_started", "resampling_tasks", "controls_lifted")


def upload_report(upload: ResultUpload) -> dict:
    """An applied upload's counts in the report's shape (the API answered with IngestReport before it
    went through the upload path)."""
    c = upload.consequences or {}
    return {
        "upload": upload.pk,
        "rows": upload.rows_total,
        "created": upload.created_count,
        "superseded": upload.superseded_count,
        "unchanged": upload.unchanged_count,
        "applied": upload.created_count + upload.superseded_count,
        "unmatched": upload.unmatched,
        "received_at_upload": c.get("received_at_upload", []),
        **{
            k: c.get(k, 0)
            for k in ("positives_confirmed", "pool_positive_tubes", "controls_started", "resampling_tasks", "controls_lifted")
        },
        "decided_by": upload.decided_by,
    }


class ResultUploadQueuedSerializer(serializers.Serializer):
    upload = serializers.IntegerField(source="pk", help_text="The result upload; its report is on the lab page when the job ends")
    status = serializers.CharField(help_text="queued or running")
    rows_total = serializers.IntegerField(help_text="Results the file holds (an estimate until parsed)")


# ---- grid work ----


class ResamplingTaskSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_masked = serializers.CharField(source="person.id_masked", read_only=True)
    household_address = serializers.CharField(source="household.address", read_only=True, allow_null=True)
    origin_barcode = serializers.CharField(source="origin_tube.barcode", read_only=True, allow_null=True)
    resample_barcode = serializers.CharField(source="resample_tube.barcode", read_only=True, allow_null=True)
    reason = serializers.ChoiceField(choices=ResamplingReason.choices, read_only=True)
    status = serializers.ChoiceField(choices=ResamplingStatus.choices, read_only=True)

    class Meta:
        model = ResamplingTask
        fields = [
            "id",
            "round",
            "person",
            "name",
            "id_masked",
            "district",
            "street",
            "community",
            "grid",
            "household",
            "household_address",
            "reason",
            "status",
            "origin_barcode",
            "resample_barcode",
            "sampled_at",
            "done_at",
            "closing_note",
        ]


class CollectSerializer(serializers.Serializer):
    barcode = barcode_field(help_text="The new single tube's barcode")
    sampling_point = serializers.IntegerField(required=False, help_text="Default: the original tube's point")


class MissingMemberSerializer(serializers.Serializer):
    person_id = serializers.IntegerField()
    name = serializers.CharField()
    id_masked = serializers.CharField()
    outcome = serializers.ChoiceField(choices=[("", "—"), *CheckOutcome.choices], help_text="Recorded at the door, if any")
    whereabouts = serializers.CharField(allow_blank=True)


class HouseholdToKnockSerializer(serializers.Serializer):
    household_id = serializers.IntegerField()
    address = serializers.CharField()
    residents = serializers.IntegerField()
    sampled = serializers.IntegerField()
    sticker = serializers.ChoiceField(choices=StickerStatus.choices)
    missing = MissingMemberSerializer(many=True)


class ConfirmedPositiveSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    id_masked = serializers.CharField(source="person.id_masked", read_only=True)
    barcode = serializers.CharField(source="tube.barcode", read_only=True)
    found_in = serializers.ChoiceField(choices=FoundIn.choices, read_only=True)
    status = serializers.ChoiceField(choices=PositiveStatus.choices, read_only=True)
    decided_by = serializers.CharField(read_only=True)  # stored once per text (RuleCitation): load with select_related

    class Meta:
        model = ConfirmedPositive
        fields = [
            "id",
            "round",
            "person",
            "name",
            "id_masked",
            "district",
            "street",
            "community",
            "grid",
            "household",
            "barcode",
            "ct_orf1ab",
            "ct_n",
            "detected_at",
            "found_in",
            "status",
            "decided_by",
        ]
