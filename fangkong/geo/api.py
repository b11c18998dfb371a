"""REST API for places, households and people (filled in by the API work)."""

from rest_framework.routers import DefaultRouter


def register(router: DefaultRouter) -> None:
    pass
