"""Middleware every page passes through: Chinese first, and the security headers Django does not send.

Chinese first: the interface language is the user's explicit choice (the language cookie set by
the switch in the top bar) or zh-hans — never guessed from the browser's Accept-Language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.views.defaults import page_not_found


class ChineseFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not send:

    - `Cache-Control: no-store` (with private, no-cache, max-age=0) on every response the
      application makes that does not set its own: pages, fragments and API answers carry personal
      data (a revealed ID number, a person's page, lists of people), and neither the browser's
      history nor a proxy may keep them. Static files are served before this (WhiteNoise).
    - `Permissions-Policy` from settings.FANGKONG_PERMISSIONS_POLICY.
    - `Content-Security-Policy` from settings.FANGKONG_CONTENT_SECURITY_POLICY when it is set (the
      hook for the policy that forbids inline script).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        policy = getattr(settings, "FANGKONG_PERMISSIONS_POLICY", "")
        if policy and not response.has_header("Permissions-Policy"):
            response["Permissions-Policy"] = policy
        csp = getattr(settings, "FANGKONG_CONTENT_SECURITY_POLICY", "")
        if csp and not response.has_header("Content-Security-Policy"):
            response["Content-Security-Policy"] = csp
        return response


class SiteNotFoundMiddleware:
    """A page that answers 404 shows the site's 404 page (templates/404.html: "not found, or not in
    your jurisdiction"), also when DEBUG is on (the demo): Django's technical 404 page would name the
    model and the query ("No Community matches the given query"), which a user must never see.

    A 404 raised by a view comes through process_exception; an address that matches no URL (no
    resolver_match) is answered with the same page when DEBUG made it the technical one. The API
    answers its own JSON 404s (DRF handles them inside the view)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 404 and settings.DEBUG and getattr(request, "resolver_match", None) is None:
            return page_not_found(request, Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Http404):
            return None
        return page_not_found(request, exception)
