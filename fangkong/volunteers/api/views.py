"""志愿者 API viewsets: parse, call a selector or a service, render. No rule lives here.

Every read goes through a selector or a queryset scoped to the caller (visible_to): a volunteer,
point, need or deployment outside the caller's grants answers 404, the same as a missing one; a list
is empty. Volunteers and the people who serve are named, so they need volunteers.view besides a grant
(403, rule "volunteers.view", before any look-up); points, needs and the totals name nobody.

The check-in takes no platform account, like the phone page: the volunteer's personal link and the
point's QR code in the body (never in the URL), then the same services (`check_in`, `check_out`),
limited per network like the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.api import PersonalDetails, parse
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, RateLimited
from fangkong.core.netaddr import address_block, client_address
from fangkong.core.periods import period
from fangkong.core.permissions import require
from fangkong.core.ratelimit import limit_hit
from fangkong.core.schema import BAD_REQUEST, NOT_FOUND, REFUSALS, ObjectSchema
from fangkong.geo.models import Community, Compound
from fangkong.policy.regimen import local_date

from .. import selectors, services
from ..models import Deployment, Need, ServicePoint, Volunteer
from ..permissions import VolunteersCap
from ..serving import deployment_list, serving_figures
from ..totals import MAX_DAYS, volunteer_totals
from . import serializers as s

TAG_PEOPLE = "volunteers: volunteers"
TAG_SHIFTS = "volunteers: points, needs and check-in"
TAG_FIGURES = "volunteers: totals"
TAG_SERVING = "volunteers: party members, cadres and police sent to places"

CHECK_IN_LIMITS = ((120, 60), (2000, 3600))  # per network block, as the QR page


def query_id(raw: str, field: str) -> int | None:
    """An id from a query parameter (None when it is not given): digits, not too long to be a row's."""
    if not raw:
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 15:
        return int(raw)
    raise DomainError(_("应为编号（数字）"), field=field, rule="api.request")


class Named(PersonalDetails):
    """The viewsets that name people (need-to-know: volunteers.view)."""

    need_to_know = (VolunteersCap.VIEW,)


@extend_schema_view(
    list=extend_schema(tags=[TAG_PEOPLE], summary="Volunteers of the caller's grants (masked ID numbers and phones), newest first"),
    retrieve=extend_schema(
        tags=[TAG_PEOPLE], summary="One volunteer with their service record", responses={200: s.VolunteerDetailSerializer, 404: NOT_FOUND}
    ),
)
class VolunteerViewSet(Named, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """志愿者: those living in the caller's places, or of an organisation the caller is granted."""

    serializer_class = s.VolunteerSerializer
    lookup_value_regex = "[0-9]+"
    filterset_fields: list[str] = []

    def get_queryset(self) -> QuerySet[Volunteer]:
        params = self.request.query_params
        org = query_id(params.get("organisation", ""), "organisation")
        return selectors.volunteer_list(user=self.request.user, status=params.get("status", ""), organisation_id=org)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        v = self.get_object()
        return Response(s.VolunteerDetailSerializer(v, context={"record": selectors.service_record(v)}).data)


@extend_schema_view(
    list=extend_schema(tags=[TAG_SHIFTS], summary="Service points of the caller's grants"),
    retrieve=extend_schema(tags=[TAG_SHIFTS], summary="One service point", responses={200: s.PointSerializer, 404: NOT_FOUND}),
)
class PointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PointSerializer

    def get_queryset(self) -> QuerySet[ServicePoint]:
        return selectors.point_list(user=self.request.user)

    @extend_schema(
        tags=[TAG_SHIFTS],
        summary="计划与到岗: per service point of the caller's grants, a Beijing day's people asked for, signed up, checked in, no-shows",
        description="The figures of the table on the service points page (no person named; a grant alone).",
        parameters=[s.AttendanceQuerySerializer],
        responses={200: s.AttendanceSerializer, 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def attendance(self, request: Request) -> Response:
        q = parse(s.AttendanceQuerySerializer, request.query_params)
        day = q.get("day") or local_date(now())
        point_id = selectors.point_get(user=request.user, pk=q["point"]).pk if "point" in q else None
        rows = selectors.point_day_attendance(user=request.user, day=day, point_id=point_id)
        body = {"day": day, "points": [{**vars(r), "short": r.short} for r in rows], "total": selectors.attendance_total(rows)}
        return Response(s.AttendanceSerializer(body).data)


@extend_schema_view(
    list=extend_schema(tags=[TAG_SHIFTS], summary="Needs (shifts) of the caller's points, with the places taken; ?point=&day=YYYY-MM-DD"),
    retrieve=extend_schema(tags=[TAG_SHIFTS], summary="One need", responses={200: s.NeedSerializer, 404: NOT_FOUND}),
)
class NeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.NeedSerializer

    def get_queryset(self) -> QuerySet[Need]:
        qs = selectors.with_taken(Need.objects.visible_to(self.request.user).select_related("point", "task_type"))
        point, day = self.request.query_params.get("point", ""), self.request.query_params.get("day", "")
        if query_id(point, "point") is not None:
            qs = qs.filter(point_id=query_id(point, "point"))
        if day:
            try:
                start, end = selectors.day_bounds(dt.date.fromisoformat(day))
            except ValueError as exc:
                raise DomainError(_("日期格式应为 YYYY-MM-DD"), field="day", rule="api.request") from exc
            qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
        return qs.order_by("starts_at", "id")

    @extend_schema(
        tags=[TAG_SHIFTS],
        summary="Put a volunteer of the caller's grants on this need (volunteers.manage)",
        request=s.AssignRequestSerializer,
        responses={201: s.AssignmentSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def assign(self, request: Request, pk: str | None = None) -> Response:
        require(request.user, VolunteersCap.MANAGE)
        need = self.get_object()
        data = parse(s.AssignRequestSerializer, request.data)
        volunteer = Volunteer.objects.visible_to(request.user).filter(pk=data["volunteer"]).first()
        if volunteer is None:
            raise DomainError(_("志愿者不存在或不在您的管辖范围内"), field="volunteer", rule="volunteers.scope")
        assignment = services.shift_assign(actor=request.user, volunteer=volunteer, need=need)
        return Response(s.AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class CheckInViewSet(viewsets.GenericViewSet):
    """签到 / 签退 without a platform account: the phone page's path over the API."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # no session, so no CSRF: the personal link is the credential
    serializer_class = s.CheckInRequestSerializer
    pagination_class = None

    @extend_schema(
        tags=[TAG_SHIFTS],
        summary="Check in (or out) at a point: the volunteer's personal link and the point's QR code",
        description=(
            "The same services as the QR page: a check-in from an hour before the shift to its end, one open check-in at a "
            "time, a check-out after a check-in; the point's code is valid 24 h. An unknown or revoked link answers 404."
        ),
        request=s.CheckInRequestSerializer,
        responses={200: s.AssignmentSerializer, 400: BAD_REQUEST, 404: NOT_FOUND, 429: BAD_REQUEST},
    )
    def create(self, request: Request) -> Response:
        refused = limit_hit(f"volunteers:page:{address_block(client_address(request)) or 'unknown'}", CHECK_IN_LIMITS)
        if refused is not None:
            raise RateLimited(
                _("请求过于频繁，请 %(s)s 秒后再试。") % {"s": refused.retry_after}, retry_after=refused.retry_after, rule="volunteers.rate"
            )
        data = parse(s.CheckInRequestSerializer, request.data)
        volunteer = selectors.volunteer_by_link(data["link"])
        if volunteer is None:
            raise DomainError(_("个人链接无效或已更换，请向协调员索取新链接"), field="link", rule="volunteers.link")
        action_ = services.check_out if data["action"] == "out" else services.check_in
        shift = action_(volunteer=volunteer, code=data["code"])
        return Response(s.AssignmentSerializer(shift).data)


class TotalsViewSet(viewsets.GenericViewSet):
    """The totals in the seed's form: figures, no person named; a grant alone."""

    serializer_class = s.TotalsSerializer
    pagination_class = None
    filter_backends: list = []
    schema = ObjectSchema()  # one object for the period, not a list

    @extend_schema(
        tags=[TAG_FIGURES],
        summary="累计出勤 … 人次、车辆 … 台次，服务时间 … 小时 … for a period (Beijing days), organisation and district",
        parameters=[s.TotalsQuerySerializer],
        responses={200: s.TotalsSerializer, 400: BAD_REQUEST},
    )
    def list(self, request: Request) -> Response:
        q = parse(s.TotalsQuerySerializer, request.query_params)
        start, end = period(q.get("start"), q.get("end"), today=local_date(now()), max_days=MAX_DAYS)
        t = volunteer_totals(user=request.user, start=start, end=end, organisation_id=q.get("organisation"), district_id=q.get("district"))
        body = {**vars(t), "hours": t.hours, "sentence": t.sentence}
        f = serving_figures(user=request.user, day=end, district_id=q.get("district"))
        body["serving"] = {**vars(f), "sentence": f.sentence}
        return Response(s.TotalsSerializer(body).data)


@extend_schema_view(
    list=extend_schema(tags=[TAG_SERVING], summary="Who serves where (masked phones); ?kind=&community=&on=YYYY-MM-DD"),
    retrieve=extend_schema(tags=[TAG_SERVING], summary="One deployment", responses={200: s.DeploymentSerializer, 404: NOT_FOUND}),
)
class DeploymentViewSet(Named, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """报到党员, 包联干部, 下沉政法干警: each a person at a place for a period."""

    serializer_class = s.DeploymentSerializer
    lookup_value_regex = "[0-9]+"
    figures_actions = frozenset({"figures"})

    def get_queryset(self) -> QuerySet[Deployment]:
        p = self.request.query_params
        community, on = p.get("community", ""), p.get("on", "")
        try:
            day = dt.date.fromisoformat(on) if on else None
        except ValueError as exc:
            raise DomainError(_("日期格式应为 YYYY-MM-DD"), field="on", rule="api.request") from exc
        return deployment_list(user=self.request.user, kind=p.get("kind", ""), community_id=query_id(community, "community"), on=day)

    @extend_schema(
        tags=[TAG_SERVING],
        summary="Send a person to a place for a period (volunteers.deploy)",
        request=s.DeploymentRequestSerializer,
        responses={201: s.DeploymentSerializer, **REFUSALS},
    )
    def create(self, request: Request) -> Response:
        require(request.user, VolunteersCap.DEPLOY)
        d = parse(s.DeploymentRequestSerializer, request.data)
        community = get_object_or_404(Community.objects.covered_by(request.user), pk=d["community"])
        compound = get_object_or_404(Compound, pk=d["compound"]) if d.get("compound") else None
        deployment = services.deployment_add(
            actor=request.user,
            kind=d["kind"],
            name=d["name"],
            phone=d["phone"],
            work_unit=d["work_unit"],
            community=community,
            compound=compound,
            starts_on=d["starts_on"],
            ends_on=d.get("ends_on"),
            rank=d.get("rank", ""),
            at_residence=d.get("at_residence", False),
            area_id=d.get("area"),
        )
        return Response(s.DeploymentSerializer(deployment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_SERVING],
        summary="Recall: the period ends on `ends_on` (volunteers.deploy)",
        request=s.DeploymentEndSerializer,
        responses={200: s.DeploymentSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def end(self, request: Request, pk: str | None = None) -> Response:
        require(request.user, VolunteersCap.DEPLOY)
        deployment = self.get_object()
        d = parse(s.DeploymentEndSerializer, request.data)
        deployment = services.deployment_end(actor=request.user, deployment=deployment, ends_on=d.get("ends_on"))
        return Response(s.DeploymentSerializer(deployment).data)

    @extend_schema(
        tags=[TAG_SERVING],
        summary="Put on the compound's 4+N duty roster (volunteers.deploy and zoning.duty)",
        request=None,
        responses={200: s.DeploymentSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def roster(self, request: Request, pk: str | None = None) -> Response:
        require(request.user, VolunteersCap.DEPLOY)
        deployment = services.deployment_to_roster(actor=request.user, deployment=self.get_object())
        return Response(s.DeploymentSerializer(deployment).data)

    @extend_schema(
        tags=[TAG_SERVING],
        summary="The day's figures in the seeds' form (no name; a grant alone): ?day=YYYY-MM-DD",
        responses={200: s.ServingFiguresSerializer, 400: BAD_REQUEST},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def figures(self, request: Request) -> Response:
        raw = request.query_params.get("day", "")
        try:
            day = dt.date.fromisoformat(raw) if raw else local_date(now())
        except ValueError as exc:
            raise DomainError(_("日期格式应为 YYYY-MM-DD"), field="day", rule="api.request") from exc
        f = serving_figures(user=request.user, day=day)
        return Response(s.ServingFiguresSerializer({**vars(f), "sentence": f.sentence}).data)
