"""Placeholder: being built."""

from django.http import Http404, HttpRequest, HttpResponse


def _todo(request: HttpRequest, **kwargs: object) -> HttpResponse:
    raise Http404


lab_home = tube_receive = result_upload = result_upload_status = unmatched_list = result_template = _todo
extra_urlpatterns: list = []
