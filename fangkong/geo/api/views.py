"""Read-only API viewsets. Every queryset goes through .visible_to(request.user): a caller with no
grant sees empty lists, and an object outside their jurisdiction answers 404."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from fangkong.core.api import PersonalDetails

from .. import services
from ..filters import CommunityFilter, DistrictFilter, GridFilter, HouseholdFilter, PersonFilter, PersonListFilter, StreetFilter
from ..models import Community, District, Grid, Household, Person, Street
from ..permissions import GeoCap
from . import serializers as s


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    model: type = District
    select: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        if self.select:
            qs = qs.select_related(*self.select)
        if self.prefetch:
            qs = qs.prefetch_related(*self.prefetch)
        return qs.order_by("id")


@extend_schema_view(list=extend_schema(tags=["places"]), retrieve=extend_schema(tags=["places"]))
class DistrictViewSet(ScopedReadOnlyViewSet):
    """区县 the caller may see (granted ones, and ancestors of granted places)."""

    model = District
    serializer_class = s.DistrictSerializer
    filterset_class = DistrictFilter


@extend_schema_view(list=extend_schema(tags=["places"]), retrieve=extend_schema(tags=["places"]))
class StreetViewSet(ScopedReadOnlyViewSet):
    """街道（乡镇）the caller may see."""

    model = Street
    serializer_class = s.StreetSerializer
    filterset_class = StreetFilter


@extend_schema_view(list=extend_schema(tags=["places"]), retrieve=extend_schema(tags=["places"]))
class CommunityViewSet(ScopedReadOnlyViewSet):
    """社区（村）the caller may see."""

    model = Community
    serializer_class = s.CommunitySerializer
    filterset_class = CommunityFilter


@extend_schema_view(list=extend_schema(tags=["places"]), retrieve=extend_schema(tags=["places"]))
class GridViewSet(ScopedReadOnlyViewSet):
    """网格 inside the caller's jurisdiction, with their grid workers."""

    model = Grid
    serializer_class = s.GridSerializer
    filterset_class = GridFilter
    prefetch = ("workers",)


@extend_schema_view(list=extend_schema(tags=["households"]), retrieve=extend_schema(tags=["households"]))
class HouseholdViewSet(PersonalDetails, ScopedReadOnlyViewSet):
    """户 inside the caller's jurisdiction, with the address (who lives where: need-to-know)."""

    need_to_know = (GeoCap.VIEW_PEOPLE,)

    model = Household
    serializer_class = s.HouseholdSerializer
    filterset_class = HouseholdFilter
    select = ("compound", "building", "unit")


@extend_schema_view(list=extend_schema(tags=["people"]), retrieve=extend_schema(tags=["people"]))
class PersonViewSet(PersonalDetails, ScopedReadOnlyViewSet):
    """Residents inside the caller's jurisdiction. ID numbers and phones are masked; the full ID
    number is only returned by the audited `reveal` action."""

    need_to_know = (GeoCap.VIEW_PEOPLE,)

    model = Person
    serializer_class = s.PersonSerializer
    filterset_class = PersonListFilter
    select = ("household", "household__compound", "household__building", "household__unit")
    prefetch = ("tags",)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if "q" in request.query_params:
            raise ValidationError({"q": [_("姓名、手机号和证件号不能放在网址中（会被记入访问日志）：请用 POST /api/people/search/ 查询")]})
        return super().list(request, *args, **kwargs)

    @extend_schema(
        tags=["people"],
        request=s.PersonSearchSerializer,
        responses={
            200: s.PersonSerializer(many=True),
            400: OpenApiResponse(description="A filter that is not valid"),
            429: OpenApiResponse(description="Too many searches by full phone or ID number (see Retry-After)"),
        },
        description=(
            "Search people in the caller's jurisdiction by name, phone or ID number, with the filters of the list. "
            "The criteria go in the body so that no personal data is in a URL; `?page=` pages the results. "
            "A search by full phone or ID number (or 5–7 trailing ID digits) is audited (geo.number_searched) "
            "and limited per user (30 per 10 minutes, 200 a day by default)."
        ),
    )
    @action(detail=False, methods=["post"], filter_backends=[])
    def search(self, request: Request) -> Response:
        criteria = s.PersonSearchSerializer(data=request.data)
        criteria.is_valid(raise_exception=True)
        # Past the limit: services.SearchLimited, a RateLimited refusal → 429 with Retry-After (fangkong.core.api).
        services.number_search_check(actor=request.user, term=criteria.validated_data.get("q", ""), where="api.people.search")
        filterset = PersonFilter(criteria.validated_data, queryset=self.get_queryset())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        tags=["people"],
        request=s.RevealRequestSerializer,
        responses={
            200: s.RevealResponseSerializer,
            400: OpenApiResponse(description="No reason, or a reason that is too short"),
            403: OpenApiResponse(description="The caller's role may not reveal ID numbers"),
            404: OpenApiResponse(description="No such person in the caller's jurisdiction"),
        },
        description=(
            "Return the full document number and the exact birth date (the only place either is shown). "
            "Needs the geo.reveal_id capability and a reason; audited (geo.id_revealed)."
        ),
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        data = s.RevealRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revealed = services.person_reveal(actor=request.user, person=person, reason=data.validated_data["reason"])
        return Response({"id_number": revealed.id_number, "birth_date": revealed.birth_date}, status=status.HTTP_200_OK)
