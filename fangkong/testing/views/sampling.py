"""Placeholder: being built."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


sampling_home = tube_detail = tube_open = tube_add_member = tube_close = _todo
extra_urlpatterns: list = []
