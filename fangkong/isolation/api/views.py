"""快隔 API viewsets: parse, call a selector or a service, render. No rule lives here.

Every read goes through a selector scoped to the caller (visible_to): a site, episode, case or
handover outside the caller's jurisdiction answers 404, the same as a missing one; a list is empty.
A refused service call answers 400 (403 for a role or scope refusal) as {message, field, rule}.

Need-to-know: what names people needs isolation.view as well as a grant (流调: cases.view too), 403
with the capability as `rule` before any look-up; the sites' occupancy and the day's figures do not.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.api import ErrorSerializer, PersonalDetails, domain_error_body, parse
from fangkong.core.errors import DomainError
from fangkong.core.filters import IdFilter
from fangkong.core.permissions import require
from fangkong.core.rows import RowsRefused
from fangkong.core.schema import BAD_REQUEST, FORBIDDEN, NOT_FOUND, REFUSALS
from fangkong.geo.models import Community
from fangkong.policy.regimen import local_date

from .. import selectors, services
from ..choices import EpisodeKind, EpisodeStatus
from ..models import Handover, IsolationEpisode, IsolationSite, ScheduledTest
from ..permissions import PEOPLE, TRACING, IsolationCap
from ..tracing import selectors as tracing
from ..tracing import services as tracing_services
from ..tracing.contacts_bulk import contacts_add_bulk
from . import serializers as s
from .bulk import parse_check_ins_request, parse_contacts_request

TAG_SITES = "isolation: sites"
TAG_EPISODES = "isolation: episodes"
TAG_HANDOVERS = "isolation: handovers"
TAG_TRACING = "isolation: contact tracing"

BULK_REFUSED = OpenApiResponse(
    ErrorSerializer, description="Refused, nothing written: every row at fault (`row` from 1, `index` from 0), its field and rule"
)
TOO_MANY_NUMBERS = OpenApiResponse(
    ErrorSerializer,
    description="Refused, nothing written, no row named: the numbers answered about made too many searches by full number "
    "(geo.number_search_limit; see Retry-After)",
)
BULK_DESCRIPTION = (
    "A JSON array of rows, or an object with the request-wide time and the rows; at most 20,000 rows. All or nothing: "
    "any problem refuses the whole request with 400 and `errors` names every row (`row` from 1, `index` from 0), "
    "field and rule; nothing is written. "
)


def bulk_refused(exc: RowsRefused) -> Response:
    """400 with every row at fault, each with the rule that refused it."""
    return Response(domain_error_body(exc, with_index=True), status=status.HTTP_400_BAD_REQUEST)


def _day(request: Request) -> Any:
    query = parse(s.DateQuerySerializer, request.query_params)
    return query.get("date") or local_date(timezone.now())


class PeopleDetails(PersonalDetails):
    """The 快隔 viewsets that name people in isolation (need-to-know: isolation.view)."""

    need_to_know = PEOPLE


# ---- sites ----


@extend_schema_view(
    list=extend_schema(tags=[TAG_SITES], summary="Isolation sites (集中隔离点) the caller sees, with their occupancy"),
    retrieve=extend_schema(tags=[TAG_SITES], summary="One site with its occupancy", responses={200: s.SiteSerializer, 404: NOT_FOUND}),
)
class SiteViewSet(PeopleDetails, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """集中隔离点. Offices see the sites in their places; site staff their own site. The sites and their
    occupancy are figures (open to everyone in scope); the rooms, the day sheet and check-ins name people."""

    figures_actions = frozenset({"list", "retrieve"})

    serializer_class = s.SiteSerializer
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[IsolationSite]:
        return selectors.site_list(user=self.request.user).order_by("name")

    def with_occupancy(self, sites: list[IsolationSite]) -> list[IsolationSite]:
        occupancy = {o.site.pk: o for o in selectors.site_occupancy(user=self.request.user)}
        for site in sites:
            site.occ = occupancy.get(site.pk) or selectors.SiteOccupancy(site=site)
        return sites

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.SiteSerializer(self.with_occupancy(list(page)), many=True).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        site = self.with_occupancy([self.get_object()])[0]
        return Response(s.SiteSerializer(site).data)

    @extend_schema(
        tags=[TAG_SITES],
        summary="The site's rooms with who is in each now (the room plan)",
        responses={200: s.RoomRowSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def rooms(self, request: Request, pk: str | None = None) -> Response:
        site = self.get_object()
        rows = selectors.room_board(user=request.user, site=site)
        for row in rows:
            for stay in row.stays:
                stay.person = stay.episode.person
        return Response(s.RoomRowSerializer(rows, many=True).data)

    @extend_schema(
        tags=[TAG_SITES],
        summary="每日采样单: whom to sample at the site on a day, by room, with the make-ups (补采)",
        parameters=[s.DateQuerySerializer],
        responses={200: s.SheetRowSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], url_path="day-sheet", pagination_class=None)
    def day_sheet(self, request: Request, pk: str | None = None) -> Response:
        site = self.get_object()
        rows = selectors.site_day_sheet(user=request.user, site=site, day=_day(request))
        return Response(s.SheetRowSerializer(rows, many=True).data)

    @extend_schema(
        tags=[TAG_SITES],
        summary="Check in many people at the site at once, each starting the regimen of the active policy",
        description=BULK_DESCRIPTION
        + (
            "Each row: `episode`, `room` (id) or `room_number`, optional `party` (a travelling group sharing a room). "
            "The rules of a single check-in (isolation.one_open_stay, isolation.room_one_party, isolation.room_capacity, "
            "isolation.site_assignment, time.order, isolation.episode_scope …) apply to every row, the earlier "
            "rows of the request counting. Needs the isolation.manage capability and the site."
        ),
        request=s.BulkCheckInsRequestSerializer,
        responses={201: s.BulkCheckInReportSerializer, 400: BULK_REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="check-ins", filter_backends=[], pagination_class=None, parser_classes=[JSONParser])
    def check_ins(self, request: Request, pk: str | None = None) -> Response:
        site = self.get_object()
        require(request.user, IsolationCap.MANAGE)
        try:
            parsed = parse_check_ins_request(request.data, site_id=site.pk)
            report = services.episodes_check_in_bulk(actor=request.user, assignments=parsed.rows, at=parsed.at)
        except RowsRefused as exc:
            return bulk_refused(exc)
        return Response(s.BulkCheckInReportSerializer(report).data, status=status.HTTP_201_CREATED)


# ---- episodes ----


class EpisodeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=EpisodeKind.choices, label=gettext_lazy("类别"))
    status = django_filters.MultipleChoiceFilter(choices=EpisodeStatus.choices, label=gettext_lazy("状态（可多选）"))
    site = IdFilter(field_name="site_id", label=gettext_lazy("隔离点"))
    community = IdFilter(field_name="community_id", label=gettext_lazy("社区"))
    district = IdFilter(field_name="district_id", label=gettext_lazy("区县"))

    class Meta:
        model = IsolationEpisode
        fields = ["kind", "status", "site", "community", "district"]


@extend_schema_view(
    list=extend_schema(tags=[TAG_EPISODES], summary="Isolation episodes (隔离记录) the caller sees, newest first (masked ID numbers)"),
    retrieve=extend_schema(
        tags=[TAG_EPISODES],
        summary="One episode with its regimen and scheduled tests",
        responses={200: s.EpisodeDetailSerializer, 404: NOT_FOUND},
    ),
)
class EpisodeViewSet(PeopleDetails, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """隔离记录. Offices and community workers see episodes by the person's places; site staff their own site's.
    The day's figures are open to everyone in scope."""

    figures_actions = frozenset({"figures"})

    filterset_class = EpisodeFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[IsolationEpisode]:
        qs = selectors.episode_list(user=self.request.user)
        if self.action != "retrieve":
            return qs
        tests = ScheduledTest.objects.select_related("citation")
        return qs.select_related("isolate_by_citation", "regimen_citation").prefetch_related(Prefetch("tests", queryset=tests))

    def get_serializer_class(self) -> type:
        return s.EpisodeDetailSerializer if self.action == "retrieve" else s.EpisodeSerializer

    @extend_schema(
        tags=[TAG_EPISODES],
        summary="日清日结: everyone identified and not yet in a room, overdue first, then by deadline",
        responses={200: s.AwaitingSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def awaiting(self, request: Request) -> Response:
        page = self.paginate_queryset(selectors.awaiting_isolation_board(user=request.user))
        return self.get_paginated_response(s.AwaitingSerializer(page, many=True).data)

    @extend_schema(
        tags=[TAG_EPISODES],
        summary="The day's figures: identified, deadlines met and missed, in isolation, released, handed over …",
        parameters=[s.DateQuerySerializer],
        responses={200: s.FiguresSerializer, 400: BAD_REQUEST},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def figures(self, request: Request) -> Response:
        return Response(s.FiguresSerializer(selectors.figures(user=request.user, day=_day(request))).data)


# ---- handovers ----


@extend_schema_view(
    list=extend_schema(
        tags=[TAG_HANDOVERS],
        summary="待交接: released people waiting for the receiver, the longest waiting first",
        description="The receiving community sees the handovers coming to it; the site sees its own.",
    ),
)
class HandoverViewSet(PeopleDetails, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.HandoverSerializer
    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Handover]:
        if self.action == "list":
            return selectors.pending_handovers(user=self.request.user)
        return Handover.objects.visible_to(self.request.user).select_related("episode__person", "from_site", "to_community")

    @extend_schema(
        tags=[TAG_HANDOVERS],
        summary="手递手: the receiver confirms (isolation.handover; to a community, only a user covering it)",
        description=(
            "To another city the site confirms. The receiver's name and phone are required (isolation.handover_receiver, "
            "naming the field). The room is vacated."
        ),
        request=s.HandoverConfirmSerializer,
        responses={200: s.HandoverSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], pagination_class=None)
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        handover = self.get_object()
        data = parse(s.HandoverConfirmSerializer, request.data)
        handover = services.handover_confirm(
            actor=request.user,
            handover=handover,
            at=data.get("at"),
            receiver_name=data.get("receiver_name", ""),
            receiver_phone=data.get("receiver_phone", ""),
            note=data.get("note", ""),
        )
        return Response(s.HandoverSerializer(self.get_queryset().get(pk=handover.pk)).data)


# ---- 流调: a case's contacts and its cluster ----


class TracingCaseViewSet(PeopleDetails, viewsets.GenericViewSet):
    """流调 of a case the caller sees (a case outside the jurisdiction is 404): cases and their contacts,
    so cases.view and isolation.view."""

    need_to_know = TRACING

    lookup_value_regex = "[0-9]+"
    filter_backends: list[Any] = []
    pagination_class = None
    serializer_class = s.ContactLinkSerializer

    def case(self) -> Any:
        return tracing.case_for_tracing(user=self.request.user, pk=int(self.kwargs["pk"]))

    @extend_schema(
        methods=["GET"],
        tags=[TAG_TRACING],
        summary="The case's contacts: close contacts, then secondary contacts, with their isolation state and deadline",
        responses={200: s.ContactLinkSerializer(many=True), 404: NOT_FOUND},
    )
    @extend_schema(
        methods=["POST"],
        tags=[TAG_TRACING],
        summary="Record a close contact of the case (isolation.trace): opens their isolation, due the same day",
        description=(
            "The person is found by the full document number (keyed hash). Someone already isolated keeps their episode "
            "and gets one more exposure. Refusals name their rule (tracing.*, secondary_contact.traced); about a person "
            "outside the caller's places a refusal of their own situation is neutral (tracing.contact_elsewhere). A number "
            "not registered, or refused neutrally, counts as a search by full number (429 past the limit)."
        ),
        request=s.ContactAddSerializer,
        responses={201: s.ContactLinkSerializer, **REFUSALS, 429: TOO_MANY_NUMBERS},
    )
    @action(detail=True, methods=["get", "post"])
    def contacts(self, request: Request, pk: str | None = None) -> Response:
        case = self.case()
        if request.method == "GET":
            sheet = tracing.trace_sheet(user=request.user, case=case)
            links = [link for close, secondary in sheet.rows for link in (close, *secondary)]
            return Response(s.ContactLinkSerializer(links, many=True).data)
        require(request.user, IsolationCap.TRACE)
        data = parse(s.ContactAddSerializer, request.data)
        community = None
        if data.get("community"):
            community = Community.objects.filter(pk=data["community"]).first()
            if community is None:
                raise DomainError(_("社区不存在"), field="community", rule="api.request")
        link = tracing_services.contact_add_by_number(
            actor=request.user,
            case=case,
            id_number=data["id_number"],
            community=community,
            exposure=data["exposure"],
            place=data["place"],
            last_exposure_at=data["last_exposure_at"],
            identified_at=data.get("identified_at") or timezone.now(),
            note=data.get("note", ""),
        )
        link = tracing._link_qs().get(pk=link.pk)
        return Response(s.ContactLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_TRACING],
        summary="流调 list upload: many close contacts of the case at once, each isolated the same day",
        description=BULK_DESCRIPTION
        + (
            "Each row: `id_number` (full document number) or `person_id`, `exposure`, `place`, `last_exposure_at`, "
            "optional `community` (for a person without a registry address) and `note`. Someone already isolated as a "
            "contact keeps their episode and gets one more exposure. Secondary contacts go one at a time "
            "(tracing.bulk_single_path). Needs the tracing capability. The answer maps every row to its contact and episode. "
            "About a person outside the caller's places a refusal of their own situation is neutral (tracing.contact_elsewhere); "
            "in a refused list each row whose number is not registered or refused neutrally counts as a search by full "
            "number, and past the limit the list is refused with 429, naming no row."
        ),
        request=s.BulkContactsRequestSerializer,
        responses={201: s.BulkContactsReportSerializer, 400: BULK_REFUSED, 403: FORBIDDEN, 404: NOT_FOUND, 429: TOO_MANY_NUMBERS},
    )
    @action(detail=True, methods=["post"], url_path="contacts/bulk", parser_classes=[JSONParser])
    def contacts_bulk(self, request: Request, pk: str | None = None) -> Response:
        case = self.case()
        require(request.user, IsolationCap.TRACE)
        try:
            parsed = parse_contacts_request(request.data, case_id=case.pk, user=request.user)
            report = contacts_add_bulk(actor=request.user, rows=parsed.rows, identified_at=parsed.identified_at)
        except RowsRefused as exc:
            return bulk_refused(exc)
        body = {
            **{k: v for k, v in vars(report).items() if k not in ("contact_of", "episode_of")},
            "rows": [
                {"row": r.row, "person": r.person_id, "contact": report.contact_of[r.person_id], "episode": report.episode_of[r.person_id]}
                for r in parsed.rows
            ],
        }
        return Response(s.BulkContactsReportSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=[TAG_TRACING],
        summary="传播链: every case and contact reachable from the case, as nodes and edges",
        description="People outside the caller's jurisdiction are nodes without name, ID or link (visible=false).",
        responses={200: s.ClusterGraphSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"])
    def graph(self, request: Request, pk: str | None = None) -> Response:
        graph = tracing.cluster_graph(user=request.user, case=self.case())
        return Response(s.ClusterGraphSerializer(graph).data)
