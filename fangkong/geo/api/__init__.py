"""REST API for places, households and people (read-only, scoped to the caller's jurisdiction)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    from .views import CommunityViewSet, DistrictViewSet, GridViewSet, HouseholdViewSet, PersonViewSet, StreetViewSet

    router.register("districts", DistrictViewSet, basename="district")
    router.register("streets", StreetViewSet, basename="street")
    router.register("communities", CommunityViewSet, basename="community")
    router.register("grids", GridViewSet, basename="grid")
    router.register("households", HouseholdViewSet, basename="household")
    router.register("people", PersonViewSet, basename="person")
