"""快检 REST API: rounds and coverage, sampling points, tubes, bulk bindings, lab receipts and
results (files or HL7 FHIR Bundles), re-sampling tasks, door-knocking lists and the positive queue.

`register(router)` adds the endpoints to the one API router (config/api_urls.py)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    from .views import PositiveViewSet, ResamplingTaskViewSet, RoundViewSet, SamplingPointViewSet, TubeViewSet

    router.register("testing/rounds", RoundViewSet, basename="testing-round")
    router.register(r"testing/rounds/(?P<round_pk>[0-9]+)/tubes", TubeViewSet, basename="testing-tube")
    router.register("testing/sampling-points", SamplingPointViewSet, basename="testing-sampling-point")
    router.register("testing/resampling-tasks", ResamplingTaskViewSet, basename="testing-resampling-task")
    router.register("testing/positives", PositiveViewSet, basename="testing-positive")
