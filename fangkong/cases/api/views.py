"""快转 API viewsets: parse, call a selector or a service, render. No rule lives here.

Every read goes through a selector or a queryset scoped to the caller (visible_to): a case,
transfer, facility or home monitoring outside the caller's jurisdiction answers 404, the same as a
missing one; a list is empty. A transfer is the caller's when its case is. A refused service call
answers 400 (403 for a role or scope refusal) as {message, field, rule}.

Need-to-know: cases, transfers and home monitoring name people, so they need cases.view as well as a
grant (403, rule "cases.view", before any look-up); the day's figures and the facilities' beds do not.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.api import PersonalDetails, parse
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.schema import BAD_REQUEST, NOT_FOUND, REFUSALS
from fangkong.geo.models import Person

from .. import selectors, services
from ..models import Case, CaseTest, Discharge, FacilityBeds, Transfer, TreatmentFacility
from ..permissions import CasesCap
from ..services.facilities import en_route_counts
from . import serializers as s
from .filters import CaseFilter, FacilityFilter, MonitoringFilter

# A transfer as the API shows it, with its two citations (stored once per text, read with the row).
TRANSFER_RELATED = ("assigned_facility", "deadline_citation", "triage_citation")

TAG_CASES = "cases: cases"
TAG_BOARD = "cases: transfers"
TAG_FACILITIES = "cases: facilities"
TAG_TREATMENT = "cases: treatment and discharge"
TAG_MONITORING = "cases: home monitoring"


def facility_for(user: Any, pk: int | None) -> TreatmentFacility | None:
    if pk is None:
        return None
    facility = TreatmentFacility.objects.visible_to(user).filter(pk=pk).first()
    if facility is None:
        raise DomainError(_("收治机构不存在"), field="facility", rule="cases.facility_scope")
    return facility


def with_figures(facilities: list[TreatmentFacility]) -> list[TreatmentFacility]:
    """Each facility's beds by type with the patients en route (one query for all of them)."""
    en_route = en_route_counts()
    for f in facilities:
        f.bed_figures = [
            selectors.BedFigures(b.bed_type, b.capacity, b.occupied, en_route.get((f.pk, b.bed_type), 0))
            for b in sorted(f.beds.all(), key=lambda b: b.bed_type)
        ]
        f.capacity = sum(b.capacity for b in f.bed_figures)
        f.occupied = sum(b.occupied for b in f.bed_figures)
        f.en_route = sum(b.en_route for b in f.bed_figures)
        f.free = sum(b.free for b in f.bed_figures)
    return facilities


class CaseDetails(PersonalDetails):
    """The 快转 viewsets that name people (need-to-know: cases.view)."""

    need_to_know = (CasesCap.VIEW,)


# ---- cases ----


@extend_schema_view(
    list=extend_schema(
        tags=[TAG_CASES], summary="Cases (病例) in the caller's jurisdiction, newest confirmation first (masked ID numbers)"
    ),
    retrieve=extend_schema(
        tags=[TAG_CASES],
        summary="One case with its classifications, transfers, tests and discharges",
        responses={200: s.CaseDetailSerializer, 404: NOT_FOUND},
    ),
)
class CaseViewSet(CaseDetails, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """病例. A district or community office sees the cases of its people; hospital staff the patients
    of their facility (admitted or reported there, or on their way to it). The day's figures are
    open to everyone in scope."""

    figures_actions = frozenset({"day_figures"})

    serializer_class = s.CaseSerializer
    filterset_class = CaseFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Case]:
        qs = selectors.case_list(user=self.request.user)
        if self.action != "list":
            qs = qs.select_related("reporting_facility").prefetch_related(
                "classifications",
                Prefetch("transfers", Transfer.objects.select_related(*TRANSFER_RELATED).order_by("queued_at", "id")),
                Prefetch("tests", CaseTest.objects.select_related("decision_citation").order_by("sampled_at", "id")),
                Prefetch("discharges", Discharge.objects.select_related("facility", "monitoring__person", "monitoring__community")),
            )
        return qs

    def get_serializer_class(self) -> type:
        return s.CaseSerializer if self.action == "list" else s.CaseDetailSerializer

    def detail_body(self, case: Case) -> dict[str, Any]:
        return s.CaseDetailSerializer(self.get_queryset().get(pk=case.pk)).data

    @extend_schema(
        tags=[TAG_CASES],
        summary="Open a case by hand: a hospital's report or another city's notice (cases.open)",
        description=(
            "Refused if the person already has an active case. Where it was found is derived from the person's state "
            "at `confirmed_at`; the case goes on the transfer board with its same-day deadline."
        ),
        request=s.CaseOpenSerializer,
        responses={201: s.CaseDetailSerializer, **REFUSALS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        require(request.user, CasesCap.OPEN)
        data = parse(s.CaseOpenSerializer, request.data)
        person = Person.objects.visible_to(request.user).filter(pk=data["person"]).first()
        if person is None:
            raise DomainError(_("人员不存在或不在您的管辖范围内"), field="person", rule="cases.case_scope")
        case = services.case_open_by_hand(
            actor=request.user,
            person=person,
            classification=data["classification"],
            confirmed_at=data["confirmed_at"],
            source=data["source"],
            source_note=data["source_note"],
            onset_at=data.get("onset_at"),
            positive_at=data.get("positive_at"),
            risk_factors=data.get("risk_factors") or (),
            is_imported=data.get("is_imported", False),
            reporting_facility=facility_for(request.user, data.get("reporting_facility")),
        )
        return Response(self.detail_body(case), status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_CASES],
        summary="The person's timeline: every step of their cases with time and actor",
        responses={200: s.TimelineStepSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        steps = selectors.case_timeline(user=request.user, person=case.person)
        return Response(s.TimelineStepSerializer(steps, many=True).data)

    @extend_schema(
        tags=[TAG_CASES],
        summary="Record a clinical (re)classification and re-triage (cases.open or cases.treat)",
        request=s.ClassifySerializer,
        responses={200: s.ClassifyOutcomeSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def classify(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = parse(s.ClassifySerializer, request.data)
        outcome = services.case_classify(
            actor=request.user,
            case=case,
            classification=data["classification"],
            risk_factors=data.get("risk_factors"),
            note=data.get("note", ""),
            at=data.get("at"),
        )
        return Response(s.ClassifyOutcomeSerializer(outcome).data)

    @extend_schema(
        tags=[TAG_CASES],
        summary="Withdraw a case opened in error (cases.open); cancels its transfer and frees its bed",
        request=s.ReasonSerializer,
        responses={200: s.CaseSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = parse(s.ReasonSerializer, request.data)
        case = services.case_withdraw(actor=request.user, case=case, reason=data["reason"], at=data.get("at"))
        return Response(s.CaseSerializer(case).data)

    @extend_schema(
        tags=[TAG_TREATMENT],
        summary="Record a nucleic-acid test during treatment (cases.treat)",
        description="The result follows from the Ct values when they are given (testing.positive_ct_threshold).",
        request=s.TestRequestSerializer,
        responses={201: s.CaseTestSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def tests(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = parse(s.TestRequestSerializer, request.data)
        test = services.case_test_record(
            actor=request.user,
            case=case,
            sampled_at=data["sampled_at"],
            result=data.get("result", ""),
            ct_orf1ab=data.get("ct_orf1ab"),
            ct_n=data.get("ct_n"),
            reported_at=data.get("reported_at"),
        )
        return Response(s.CaseTestSerializer(test).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_TREATMENT],
        summary="Which discharge criteria pass and which fail, each with its policy citation (writes nothing)",
        parameters=[s.DischargeQuerySerializer],
        responses={200: s.DischargeCheckSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], url_path="discharge-check", filter_backends=[], pagination_class=None)
    def discharge_check(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        query = parse(s.DischargeQuerySerializer, request.query_params)
        check = services.discharge_check(case=case, clinical=sorted(query.get("clinical") or ()), at=query.get("at"))
        body = {
            "passed": check.passed,
            "criteria": check.as_rows(),
            "tests_used": check.tests_used,
            "latest_test_at": check.latest_test_at,
        }
        return Response(s.DischargeCheckSerializer(body).data)

    @extend_schema(
        tags=[TAG_TREATMENT],
        summary="Discharge (出院): frees the bed and starts home health monitoring (cases.treat, the patient's facility)",
        description="Refused unless every discharge criterion passes; the refusal names the first rule that failed.",
        request=s.DischargeRequestSerializer,
        responses={201: s.DischargeSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def discharge(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        data = parse(s.DischargeRequestSerializer, request.data)
        discharge = services.case_discharge(
            actor=request.user, case=case, clinical=data.get("clinical") or (), at=data.get("at"), note=data.get("note", "")
        )
        return Response(s.DischargeSerializer(discharge).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_CASES],
        summary="The day's figures (新闻发布会口径) for one Beijing day, limited to what the caller covers",
        parameters=[s.DayQuerySerializer],
        responses={200: s.DayFiguresSerializer, 400: BAD_REQUEST},
    )
    @action(detail=False, methods=["get"], url_path="day-figures", filter_backends=[], pagination_class=None)
    def day_figures(self, request: Request) -> Response:
        query = parse(s.DayQuerySerializer, request.query_params)
        figures = selectors.day_figures(date=query.get("date") or timezone.localdate(), user=request.user)
        return Response(s.DayFiguresSerializer(figures).data)


# ---- the transfer board ----


class BoardPage:
    """The board as a sequence the paginator can count and slice: only the page is built."""

    def __init__(self, user: Any, filters: dict[str, Any]) -> None:
        self.user, self.filters, self.now = user, filters, timezone.now()

    def count(self) -> int:
        return selectors.transfer_board_count(user=self.user, now=self.now, filters=self.filters)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[selectors.BoardItem]:
        start = window.start or 0
        return selectors.transfer_board(user=self.user, now=self.now, filters=self.filters, offset=start, limit=window.stop - start)


@extend_schema_view(
    retrieve=extend_schema(
        tags=[TAG_BOARD], summary="One transfer (also past ones)", responses={200: s.TransferSerializer, 404: NOT_FOUND}
    ),
)
class TransferViewSet(CaseDetails, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """转运. The board lists the transfers in flight; the actions move one along its states."""

    serializer_class = s.TransferSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Transfer]:
        visible = Case.objects.visible_to(self.request.user)
        return Transfer.objects.filter(case__in=visible).select_related(*TRANSFER_RELATED).order_by("id")

    def transfer_body(self, transfer: Transfer) -> dict[str, Any]:
        return s.TransferSerializer(Transfer.objects.select_related(*TRANSFER_RELATED).get(pk=transfer.pk)).data

    @extend_schema(
        tags=[TAG_BOARD],
        summary="The dispatch board (转运调度): transfers awaiting or on their way, overdue first",
        description=(
            "Ordered by deadline (overdue first), then the longest waiting. Each awaiting transfer carries the live "
            "suggestion: the kind and bed the policy sends the case to and the facility with a free bed (net of "
            "patients en route); suggestions are spread, so two cases are not both offered the last bed."
        ),
        parameters=[s.BoardQuerySerializer],
        responses={200: s.BoardItemSerializer(many=True), 400: BAD_REQUEST},
    )
    def list(self, request: Request) -> Response:
        query = parse(s.BoardQuerySerializer, request.query_params)
        filters = {
            "status": query.get("status"),
            "district_id": query.get("district"),
            "community_id": query.get("community"),
            "triage_kind": query.get("triage_kind"),
            "overdue": query.get("overdue"),
        }
        page = self.paginate_queryset(BoardPage(request.user, filters))
        return self.get_paginated_response(s.BoardItemSerializer([s.board_item_body(i) for i in page], many=True).data)

    @extend_schema(
        tags=[TAG_BOARD],
        summary="派车: assign a facility and bed (the live suggestion unless given), vehicle and crew (cases.dispatch)",
        description=(
            "Refused if the facility is closed, its rules do not admit the case, or it has no free bed of that type now. "
            "Allowed while a bed is free now: `arrivals_warning` says when the patients on the way there (this one "
            "included) outnumber the free beds (admission is first come, first served); empty otherwise."
        ),
        request=s.DispatchSerializer,
        responses={200: s.DispatchedSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch", filter_backends=[], pagination_class=None)
    def dispatch_vehicle(self, request: Request, pk: str | None = None) -> Response:
        transfer = self.get_object()
        data = parse(s.DispatchSerializer, request.data)
        transfer = services.transfer_dispatch(
            actor=request.user,
            transfer=transfer,
            vehicle=data["vehicle"],
            crew=data.get("crew", ""),
            facility=facility_for(request.user, data.get("facility")),
            bed_type=data.get("bed_type", ""),
            at=data.get("at"),
        )
        return Response({**self.transfer_body(transfer), "arrivals_warning": selectors.arrivals_warning(transfer)})

    @extend_schema(
        tags=[TAG_BOARD],
        summary="接到患者: the crew has the patient on board (cases.dispatch)",
        request=s.AtSerializer,
        responses={200: s.TransferSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], url_path="pick-up", filter_backends=[], pagination_class=None)
    def pick_up(self, request: Request, pk: str | None = None) -> Response:
        transfer = self.get_object()
        data = parse(s.AtSerializer, request.data)
        transfer = services.transfer_pick_up(actor=request.user, transfer=transfer, at=data.get("at"))
        return Response(self.transfer_body(transfer))

    @extend_schema(
        tags=[TAG_BOARD],
        summary="入院收治: the facility takes one bed, atomically (cases.treat, staff of that facility)",
        description=(
            "From picked_up at the assigned facility; from awaiting when the person is already at the facility "
            "(就地收治), naming it. Of two admissions racing for the last bed exactly one succeeds; the other is "
            "refused with `cases.bed_capacity` and nothing of it is written."
        ),
        request=s.AdmitSerializer,
        responses={200: s.TransferSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def admit(self, request: Request, pk: str | None = None) -> Response:
        transfer = self.get_object()
        data = parse(s.AdmitSerializer, request.data)
        transfer = services.transfer_admit(
            actor=request.user,
            transfer=transfer,
            at=data.get("at"),
            facility=facility_for(request.user, data.get("facility")),
            bed_type=data.get("bed_type", ""),
        )
        return Response(self.transfer_body(transfer))

    @extend_schema(
        tags=[TAG_BOARD],
        summary="拒收: the facility turned the patient away; a new awaiting transfer, same deadline, goes back on the board",
        description="cases.dispatch, or the staff of the assigned facility (cases.treat). A reason is required.",
        request=s.ReasonSerializer,
        responses={201: s.RefusedSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        transfer = self.get_object()
        data = parse(s.ReasonSerializer, request.data)
        again = services.transfer_refuse(actor=request.user, transfer=transfer, reason=data["reason"], at=data.get("at"))
        body = {"refused": self.transfer_body(transfer), "back_on_board": self.transfer_body(again)}
        return Response(body, status=status.HTTP_201_CREATED)


# ---- facilities ----


@extend_schema_view(
    list=extend_schema(tags=[TAG_FACILITIES], summary="定点医院 and 方舱医院 with their beds by type and occupancy"),
    retrieve=extend_schema(
        tags=[TAG_FACILITIES], summary="One facility with its beds", responses={200: s.FacilitySerializer, 404: NOT_FOUND}
    ),
)
class FacilityViewSet(viewsets.ReadOnlyModelViewSet):
    """Treatment facilities are city resources: anyone with a jurisdiction sees them and their beds."""

    serializer_class = s.FacilitySerializer
    filterset_class = FacilityFilter

    def get_queryset(self) -> QuerySet[TreatmentFacility]:
        beds = Prefetch("beds", FacilityBeds.objects.order_by("bed_type"))
        return (
            TreatmentFacility.objects.visible_to(self.request.user)
            .select_related("district")
            .prefetch_related(beds)
            .order_by("kind", "name")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.FacilitySerializer(with_figures(list(page)), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(s.FacilitySerializer(with_figures([self.get_object()])[0]).data)

    @extend_schema(
        tags=[TAG_FACILITIES],
        summary="Beds of the active facilities by kind: capacity, occupied, en route, free",
        responses={200: s.OccupancySerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def occupancy(self, request: Request) -> Response:
        occupancy = selectors.facility_occupancy(user=request.user)
        rows = [
            {
                "kind": kind,
                "capacity": t.capacity,
                "occupied": t.occupied,
                "en_route": t.en_route,
                "free": t.free,
                "free_after_arrivals": t.free_after_arrivals,
            }
            for kind, t in occupancy.by_kind.items()
        ]
        return Response(s.OccupancySerializer({"by_kind": rows}).data)


# ---- home monitoring ----


@extend_schema_view(
    list=extend_schema(
        tags=[TAG_MONITORING], summary="居家健康监测 handed to the caller's communities (filter status=active for the work list)"
    ),
    retrieve=extend_schema(tags=[TAG_MONITORING], summary="One home monitoring", responses={200: s.MonitoringSerializer, 404: NOT_FOUND}),
)
class MonitoringViewSet(CaseDetails, viewsets.ReadOnlyModelViewSet):
    """居家健康监测 after discharge: the community records tests and ends it when its days are over."""

    serializer_class = s.MonitoringSerializer
    filterset_class = MonitoringFilter

    def get_queryset(self):
        return selectors.monitoring_list(user=self.request.user, active_only=False).select_related("community")

    @extend_schema(
        tags=[TAG_MONITORING],
        summary="Record a test during home monitoring (cases.monitor); a positive reopens care at once",
        request=s.TestRequestSerializer,
        responses={201: s.MonitoringTestOutcomeSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def tests(self, request: Request, pk: str | None = None) -> Response:
        monitoring = self.get_object()
        data = parse(s.TestRequestSerializer, request.data)
        outcome = services.monitoring_record_test(
            actor=request.user,
            monitoring=monitoring,
            sampled_at=data["sampled_at"],
            result=data.get("result", ""),
            ct_orf1ab=data.get("ct_orf1ab"),
            ct_n=data.get("ct_n"),
            reported_at=data.get("reported_at"),
        )
        return Response(s.MonitoringTestOutcomeSerializer(outcome).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_MONITORING],
        summary="解除健康监测 when its days are over (cases.monitor); the case is closed",
        request=s.AtSerializer,
        responses={200: s.MonitoringSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def complete(self, request: Request, pk: str | None = None) -> Response:
        monitoring = self.get_object()
        data = parse(s.AtSerializer, request.data)
        monitoring = services.monitoring_complete(actor=request.user, monitoring=monitoring, at=data.get("at"))
        return Response(s.MonitoringSerializer(self.get_queryset().get(pk=monitoring.pk)).data)
