"""Placeholder: being built."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


door_knocking = household_check = resampling_tasks = resampling_collect = _todo
extra_urlpatterns: list = []
