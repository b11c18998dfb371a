"""Placeholder: being built."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


deadline_board = press_report = press_report_xlsx = _todo
extra_urlpatterns: list = []
