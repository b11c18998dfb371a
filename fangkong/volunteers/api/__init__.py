"""志愿者 REST API: volunteers (need-to-know), service points and their needs (assign a volunteer),
check-in and check-out by the volunteer's personal link and the point's code (the phone page's path),
the totals in the seed's sentence, and the people who serve (报到党员, 包联干部, 下沉政法干警).

`register(router)` adds the endpoints to the one API router (config/api_urls.py)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    from .views import CheckInViewSet, DeploymentViewSet, NeedViewSet, PointViewSet, TotalsViewSet, VolunteerViewSet

    # The sub-collections first; volunteer ids are digits only, so /volunteers/points/ is never a volunteer.
    router.register("volunteers/points", PointViewSet, basename="volunteers-point")
    router.register("volunteers/needs", NeedViewSet, basename="volunteers-need")
    router.register("volunteers/check-ins", CheckInViewSet, basename="volunteers-check-in")
    router.register("volunteers/totals", TotalsViewSet, basename="volunteers-totals")
    router.register("volunteers/serving", DeploymentViewSet, basename="volunteers-deployment")
    router.register("volunteers", VolunteerViewSet, basename="volunteers-volunteer")
