"""快转 REST API: cases (open by hand, classify, withdraw, timeline, tests, discharge), the transfer
board and its actions (dispatch, pick up, admit, refuse), facilities with their beds, home
monitoring, and the day's figures.

`register(router)` adds the endpoints to the one API router (config/api_urls.py)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    from .views import CaseViewSet, FacilityViewSet, MonitoringViewSet, TransferViewSet

    # The sub-collections first; case ids are digits only, so /cases/transfers/ is never a case.
    router.register("cases/transfers", TransferViewSet, basename="cases-transfer")
    router.register("cases/facilities", FacilityViewSet, basename="cases-facility")
    router.register("cases/monitoring", MonitoringViewSet, basename="cases-monitoring")
    router.register("cases", CaseViewSet, basename="cases-case")
