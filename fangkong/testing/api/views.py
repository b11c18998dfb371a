"""快检 API viewsets: parse, call a selector or a service, render. No rule lives here.

Every read goes through a selector scoped to the caller (visible_to / covered_by): an object
outside the caller's jurisdiction answers 404, the same as a missing one; a list is empty. A
refused service call answers 400 (403 for a role or scope refusal) as {message, field, rule}; a
batch refusal adds `errors`, every row at fault with its field, and nothing is written.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.api import PersonalDetails, domain_error_body, parse
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.schema import BAD_REQUEST, FORBIDDEN, NOT_FOUND

from .. import selectors, services
from ..models import Laboratory, SamplingPoint, TestingRound, Tube, TubeResult
from ..permissions import POSITIVES_NEED, TestingCap
from ..services import BindReport, RowError, RowsRefused
from ..services.result_uploads import result_upload_create
from . import serializers as s
from .bindings import BindingRequest, parse_binding_request
from .filters import PositiveFilter, ResamplingTaskFilter, RoundFilter, SamplingPointFilter, TubeFilter

TAG_ROUNDS = "testing: rounds"
TAG_SAMPLING = "testing: sampling"
TAG_LAB = "testing: laboratory"
TAG_FIELD = "testing: grid work"

ROUND_PATH = OpenApiParameter("round_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the testing round")
LAB_QUERY = OpenApiParameter(
    "laboratory", OpenApiTypes.INT, OpenApiParameter.QUERY, required=False, description="Default: the caller's only laboratory"
)


class FhirJSONParser(JSONParser):
    """HL7 FHIR resources posted as `application/fhir+json`."""

    media_type = "application/fhir+json"


def laboratory_for(user: Any, pk: Any) -> Laboratory:
    """The laboratory the caller acts for: the one named (it must be theirs), or their only one."""
    labs = selectors.laboratory_list(user=user)
    if pk in (None, ""):
        mine = list(labs[:2])
        if len(mine) != 1:
            raise DomainError(_("请指定检测机构（laboratory）"), field="laboratory")
        return mine[0]
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise DomainError(_("检测机构应为编号（整数）"), field="laboratory") from None
    lab = labs.filter(pk=pk).first()
    if lab is None:
        raise PermissionRefused(_("您不属于该检测机构"), rule="testing.laboratory_scope", field="laboratory")
    return lab


def sampling_point_for(user: Any, pk: int | None) -> SamplingPoint | None:
    if pk is None:
        return None
    point = selectors.sampling_point_list(user=user).filter(pk=pk).first()
    if point is None:
        raise DomainError(_("采样点不存在或不在您的管辖范围内"), field="sampling_point", rule="testing.sampling_point_scope")
    return point


def tube_body(user: Any, tube: Tube) -> dict[str, Any]:
    """One tube as the API shows it, with the members and results the caller may see."""
    tube.member_rows = list(selectors.tube_members(user=user, tube=tube).order_by("id"))
    tube.result_rows = list(selectors.tube_results(user=user, tube=tube))
    return s.TubeSerializer(tube).data


def batch_refused(exc: RowsRefused) -> Response:
    return Response(domain_error_body(exc, with_index=True), status=status.HTTP_400_BAD_REQUEST)


# ---- rounds ----


BINDINGS_REQUEST = PolymorphicProxySerializer(
    component_name="BindingsRequest",
    serializers=[s.BindingRowSerializer(many=True), s.BindingRequestSerializer],
    resource_type_field_name=None,
    many=False,
)


@extend_schema_view(
    list=extend_schema(tags=[TAG_ROUNDS], summary="Testing rounds (第 N 轮) with their areas and pooling"),
    retrieve=extend_schema(tags=[TAG_ROUNDS], summary="One testing round", responses={200: s.RoundSerializer, 404: NOT_FOUND}),
)
class RoundViewSet(viewsets.ReadOnlyModelViewSet):
    """核酸检测轮次. A round is a city-wide plan: anyone with a jurisdiction sees every round; what is
    counted inside it (coverage, tubes, positives) is limited to the caller's jurisdiction."""

    serializer_class = s.RoundSerializer
    filterset_class = RoundFilter

    def get_queryset(self):
        return selectors.round_list(user=self.request.user).order_by("-number")

    @extend_schema(
        tags=[TAG_ROUNDS],
        summary="Coverage (不漏一户、不落一人) of a place and of each place one level down",
        parameters=[s.CoverageQuerySerializer],
        responses={200: s.CoverageReportSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def coverage(self, request: Request, pk: str | None = None) -> Response:
        testing_round = self.get_object()
        query = parse(s.CoverageQuerySerializer, request.query_params)
        level, place = query["level"], query.get("place")
        if level == "city":
            place = None
        elif place is None:
            raise DomainError(_("请指定区域编号（place）"), field="place")
        else:
            get_object_or_404(selectors.COVERAGE_LEVELS[level]["model"].objects.visible_to(request.user), pk=place)
        totals, children = selectors.round_coverage(
            user=request.user, testing_round=testing_round, level=level, place_id=place, group_by=query.get("group_by")
        )
        body = {
            "level": level,
            "place": place,
            "child_level": query.get("group_by") or selectors.COVERAGE_LEVELS[level]["child"],
            "totals": totals,
            "children": children,
        }
        return Response(s.CoverageReportSerializer(body).data)

    @extend_schema(
        tags=[TAG_ROUNDS],
        summary="The press-conference numbers and sentence (zh / en)",
        responses={200: s.PressReportSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], url_path="press-report", filter_backends=[], pagination_class=None)
    def press_report(self, request: Request, pk: str | None = None) -> Response:
        report = selectors.press_report(user=request.user, testing_round=self.get_object())
        body = {
            **{k: getattr(report, k) for k in ("number", "sampled", "resulted", "positives", "in_control", "in_community", "zh", "en")},
            "by_district": [{"name": name, "positives": n} for name, n in report.by_district],
        }
        return Response(s.PressReportSerializer(body).data)

    @extend_schema(
        tags=[TAG_SAMPLING],
        summary="Bulk sampling: bind thousands of people to tubes in one request",
        description=(
            "A JSON array of rows, or an object with request-wide defaults and `bindings`. New barcodes open tubes "
            "(the pooling defaults to the area's, from the active policy); tubes close when full. All or nothing: "
            "any problem refuses the whole request with 400 and `errors` lists every row (`row` from 1, `index` "
            "from 0) and field. With `partial: true` the rows that pass are written and the others returned in "
            "`refused`. Needs the testing.sample capability."
        ),
        request=BINDINGS_REQUEST,
        responses={201: s.BindReportSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None, parser_classes=[JSONParser])
    def bindings(self, request: Request, pk: str | None = None) -> Response:
        testing_round = self.get_object()
        require(request.user, TestingCap.SAMPLE)
        try:
            parsed = parse_binding_request(request.data)
            point = sampling_point_for(request.user, parsed.sampling_point_id)
            report, refused = _bind(request.user, testing_round, parsed, point)
        except RowsRefused as exc:
            return batch_refused(exc)
        body = {**vars(report), "refused": [{"row": e.row, "index": e.row - 1, "field": e.field, "message": e.message} for e in refused]}
        return Response(s.BindReportSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_LAB],
        summary="A laboratory signs for tubes (接收)",
        description="All or nothing; open tubes are closed on receipt. Needs the testing.lab capability.",
        request=s.ReceiptRequestSerializer,
        responses={200: s.ReceiveReportSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None, parser_classes=[JSONParser])
    def receipts(self, request: Request, pk: str | None = None) -> Response:
        testing_round = self.get_object()
        require(request.user, TestingCap.LAB)
        try:
            data = parse(s.ReceiptRequestSerializer, request.data)
            laboratory = laboratory_for(request.user, data.get("laboratory"))
            report = services.tube_receive(
                actor=request.user, testing_round=testing_round, laboratory=laboratory, barcodes=data["barcodes"]
            )
        except RowsRefused as exc:
            return batch_refused(exc)
        return Response(s.ReceiveReportSerializer(report).data)

    @extend_schema(
        tags=[TAG_LAB],
        summary="A laboratory reports results: a CSV / .xlsx file, or an HL7 FHIR R4 Bundle",
        description=(
            "multipart/form-data with `file` (CSV, .xlsx, or a Bundle as .json), or the Bundle itself as "
            "`application/fhir+json` (or `application/json` with resourceType Bundle; the laboratory then goes in "
            "`?laboratory=`). Checked whole before anything is written; results for unknown or unsampled barcodes "
            "are kept and reported in `unmatched`. Posting the same content again changes nothing (`unchanged`). "
            "Needs the testing.lab capability."
        ),
        parameters=[LAB_QUERY],
        request={
            "multipart/form-data": s.ResultFileSerializer,
            "application/fhir+json": OpenApiTypes.OBJECT,
            "application/json": OpenApiTypes.OBJECT,
        },
        responses={200: s.IngestReportSerializer, 202: s.ResultUploadQueuedSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        pagination_class=None,
        parser_classes=[FhirJSONParser, JSONParser, MultiPartParser],
    )
    def results(self, request: Request, pk: str | None = None) -> Response:
        """The lab page's path: the file is kept (encrypted), a ResultUpload records the job and its
        report, and a large file runs in the background (202 with the upload's id to poll)."""
        testing_round = self.get_object()
        require(request.user, TestingCap.LAB)
        if request.content_type.startswith("multipart/"):
            laboratory = laboratory_for(request.user, request.data.get("laboratory") or request.query_params.get("laboratory"))
            upload = request.FILES.get("file")
            if upload is None:
                raise RowsRefused([RowError(0, "file", _("缺少结果文件（file）"))], rule="testing.lab_file_format")
            name, data = upload.name, upload.read()
        else:
            laboratory = laboratory_for(request.user, request.query_params.get("laboratory"))
            payload = request.data
            data = json.dumps(payload, ensure_ascii=False).encode()
            name = "fhir-" + str(payload.get("id") or hashlib.sha256(data).hexdigest()[:16]) + ".json"
        job = result_upload_create(actor=request.user, testing_round=testing_round, laboratory=laboratory, filename=name, data=data)
        if not job.is_finished:
            return Response(s.ResultUploadQueuedSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        if job.wrote_nothing:
            errors = [RowError(e.get("row", 0), e.get("field", ""), e.get("message", ""), e.get("rule", "")) for e in job.errors]
            raise RowsRefused(
                errors or [RowError(0, "file", job.message)], rule=next((e.rule for e in errors if e.rule), "testing.results")
            )
        return Response(s.IngestReportSerializer(s.upload_report(job)).data)

    @extend_schema(
        tags=[TAG_FIELD],
        summary="敲门行动: the grid's households with someone not yet sampled, in walking order",
        parameters=[OpenApiParameter("grid", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the grid")],
        responses={200: s.HouseholdToKnockSerializer(many=True), 404: NOT_FOUND},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"grids/(?P<grid>[0-9]+)/door-knocking",
        url_name="door-knocking",
        filter_backends=[],
        pagination_class=None,
    )
    def door_knocking(self, request: Request, pk: str | None = None, grid: str | None = None) -> Response:
        require(request.user, TestingCap.CHECK)  # who is missing, by household: the door-knockers' need-to-know
        items = selectors.door_knocking_list(user=request.user, testing_round=self.get_object(), grid_id=int(grid))
        return Response(s.HouseholdToKnockSerializer(items, many=True).data)


def _bind(
    actor: Any, testing_round: TestingRound, parsed: BindingRequest, point: SamplingPoint | None
) -> tuple[BindReport, list[RowError]]:
    """services.bulk_bind, all or nothing; with `partial`, the refused rows are set aside and the rest bound.

    bulk_bind checks in stages (format, people, tubes, capacity), so a retry without the refused
    rows may refuse others; each retry has fewer rows, and nothing is written until one passes."""
    refused = list(parsed.errors)
    rows = parsed.bindings
    while rows:
        try:
            report = services.bulk_bind(
                actor=actor, testing_round=testing_round, bindings=rows, sampling_point=point, pooling_mode=parsed.pooling_mode
            )
            return report, sorted(refused, key=lambda e: e.row)
        except RowsRefused as exc:
            bad = {e.row for e in exc.errors}
            if not parsed.partial or 0 in bad:
                raise
            refused.extend(exc.errors)
            rows = [b for b in rows if b.row not in bad]
    return BindReport(0, 0, 0, []), sorted(refused, key=lambda e: e.row)


# ---- sampling points and tubes ----


@extend_schema_view(
    list=extend_schema(tags=[TAG_SAMPLING], summary="Sampling points (采样点) in the caller's jurisdiction"),
    retrieve=extend_schema(tags=[TAG_SAMPLING], summary="One sampling point", responses={200: s.SamplingPointSerializer, 404: NOT_FOUND}),
)
class SamplingPointViewSet(viewsets.ReadOnlyModelViewSet):
    """采样点. A grid worker also sees the points of the community that holds their grid."""

    serializer_class = s.SamplingPointSerializer
    filterset_class = SamplingPointFilter

    def get_queryset(self):
        return selectors.sampling_point_list(user=self.request.user).order_by("community_id", "name", "id")


@extend_schema(parameters=[ROUND_PATH])
@extend_schema_view(
    list=extend_schema(tags=[TAG_SAMPLING], summary="Tubes of a round (a laboratory: the tubes it received)"),
    retrieve=extend_schema(
        tags=[TAG_SAMPLING],
        summary="One tube by barcode, with its members (masked ID numbers) and its results",
        responses={200: s.TubeSerializer, 404: NOT_FOUND},
    ),
)
class TubeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """试管 of one round, by barcode. Members are shown to the people who cover their places (not to
    laboratories), by name and masked ID number only."""

    lookup_field = "barcode"
    lookup_value_regex = "[^/]+"
    filterset_class = TubeFilter

    serializer_class = s.TubeSerializer

    @cached_property
    def testing_round(self) -> TestingRound:
        return selectors.round_get(user=self.request.user, pk=self.kwargs["round_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Tube.objects.none()
        user = self.request.user
        return selectors.tube_list(user=user, testing_round=self.testing_round).prefetch_related(
            Prefetch("members", selectors.members_visible_to(user).select_related("person").order_by("id"), to_attr="member_rows"),
            Prefetch(
                "results",
                TubeResult.objects.visible_to(user).select_related("decision_citation").order_by("-is_current", "-id"),
                to_attr="result_rows",
            ),
        )

    def get_tube(self) -> Tube:
        return selectors.tube_get(user=self.request.user, testing_round=self.testing_round, barcode=self.kwargs["barcode"])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(tube_body(request.user, self.get_tube()))

    @extend_schema(
        tags=[TAG_SAMPLING],
        summary="Open an empty tube at a sampling point (scan the barcode before adding people)",
        request=s.TubeOpenSerializer,
        responses={201: s.TubeSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        testing_round = self.testing_round
        require(request.user, TestingCap.SAMPLE)
        data = parse(s.TubeOpenSerializer, request.data)
        tube = services.tube_open(
            actor=request.user,
            testing_round=testing_round,
            sampling_point=sampling_point_for(request.user, data["sampling_point"]),
            barcode=data["barcode"],
            pooling_mode=data.get("pooling_mode", ""),
        )
        return Response(tube_body(request.user, tube), status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_SAMPLING],
        summary="Close (seal) an open tube",
        request=None,
        responses={200: s.TubeSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def close(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tube = services.tube_close(actor=request.user, tube=self.get_tube())
        return Response(tube_body(request.user, tube))


# ---- grid work and the positive queue ----


@extend_schema_view(
    list=extend_schema(tags=[TAG_FIELD], summary="上门单采 tasks (a grid worker: their grid's), by household"),
    retrieve=extend_schema(tags=[TAG_FIELD], summary="One re-sampling task", responses={200: s.ResamplingTaskSerializer, 404: NOT_FOUND}),
)
class ResamplingTaskViewSet(PersonalDetails, viewsets.ReadOnlyModelViewSet):
    """上门单采 tasks the caller covers. Filter `status=open&status=sampled` for the work list. Whose home
    to visit is the door-knockers' need-to-know (testing.check), as on the page."""

    need_to_know = (TestingCap.CHECK,)

    serializer_class = s.ResamplingTaskSerializer
    filterset_class = ResamplingTaskFilter

    def get_queryset(self):
        return selectors.resampling_task_list(user=self.request.user, status=()).select_related(
            "resample_tube", "household__compound", "household__building", "household__unit"
        )

    @extend_schema(
        tags=[TAG_FIELD],
        summary="Record the single re-test taken at home (a new single tube)",
        request=s.CollectSerializer,
        responses={201: s.TubeSerializer, 400: BAD_REQUEST, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def collect(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        require(request.user, TestingCap.CHECK)
        data = parse(s.CollectSerializer, request.data)
        tube = services.resampling_collect(
            actor=request.user,
            task=task,
            barcode=data["barcode"],
            sampling_point=sampling_point_for(request.user, data.get("sampling_point")),
        )
        return Response(tube_body(request.user, tube), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(tags=[TAG_FIELD], summary="Confirmed positives awaiting case handling (masked ID numbers)"),
    retrieve=extend_schema(
        tags=[TAG_FIELD], summary="One confirmed positive", responses={200: s.ConfirmedPositiveSerializer, 404: NOT_FOUND}
    ),
)
class PositiveViewSet(PersonalDetails, viewsets.ReadOnlyModelViewSet):
    """阳性待处置: the queue the cases app consumes, limited to the caller's jurisdiction. Who tested
    positive is a case's personal detail: it needs cases.view as well as a grant (need-to-know)."""

    need_to_know = POSITIVES_NEED

    serializer_class = s.ConfirmedPositiveSerializer
    filterset_class = PositiveFilter

    def get_queryset(self):
        return selectors.positive_queue(user=self.request.user).order_by("-detected_at", "id")
