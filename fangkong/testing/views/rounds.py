"""Placeholder: being built."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


round_list = round_plan = round_detail = round_set_status = coverage = sampling_point_list = sampling_point_create = _todo
extra_urlpatterns: list = []
