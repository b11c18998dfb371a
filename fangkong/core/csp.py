"""Content-Security-Policy: the browser runs only the platform's own script files.

Every response carries one policy (ContentSecurityPolicyMiddleware). Script comes only from this
origin's files — no inline <script>, no on…= attributes, no eval — so a name, address or note that
slipped past escaping into a page still cannot run. Each directive and why it allows what it
allows is in docs/security.md ("XSS and the Content-Security-Policy"); the page-side rules are
in the templates' and static/js/ files' headers, and tests/security/test_csp.py keeps inline
script from coming back.

A view that needs more (only ReDoc's page, for its search worker) is wrapped in `with_sources(...)`,
which sets the header with the extra sources; the middleware leaves a policy the view set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"

# Directive → sources, in the order written. Keep docs/security.md in step.
BASE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    # Our files under /static/ (project code and vendored htmx, Bootstrap, ECharts, Leaflet) and the
    # Swagger UI's files and start-up script (/api/docs/?script), all same-origin. No 'unsafe-inline',
    # no 'unsafe-eval': htmx runs with allowEval off (base.html), so hx-on and trigger filters are not used.
    "script-src": ("'self'",),
    # 'unsafe-inline' for style only: ECharts builds its tooltips as HTML with style attributes,
    # Leaflet and Bootstrap set positions in style attributes, htmx adds its indicator <style>, the
    # templates size bars and swatches with style="" and the Swagger UI styles itself inline. CSS
    # cannot run script; the markup it would style is escaped like any other.
    "style-src": ("'self'", "'unsafe-inline'"),
    # data: for the SVG images inside Bootstrap's and Swagger UI's CSS (the select arrow, the
    # navbar toggler); FANGKONG_CSP_IMG_EXTRA adds an operator's map-tile server.
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

# An origin an operator may add: scheme://host[:port], optionally a path; nothing that could end the
# directive (";", ",") or add a keyword ('unsafe-inline') or a wildcard scheme.
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/%-]*)?$")


def _checked_origins(name: str, values: Iterable[str]) -> tuple[str, ...]:
    origins = tuple(values)
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise ImproperlyConfigured(f"{name}: {origin!r} is not an origin such as https://tiles.example.org")
    return origins


def tile_origin(url: str) -> str:
    """The origin a map-tile URL template loads from, for img-src: "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    → "https://*.tiles.example.org" (Leaflet's {s} subdomains as a wildcard); anything else is refused."""
    match = re.match(r"^(https?://)([^/?#]+)", url or "")
    host = match.group(2).replace("{s}.", "*.", 1) if match else ""
    return _checked_origins("FANGKONG_MAP_TILE_URL", [f"{match.group(1)}{host}" if match else url])[0]


def policy(**extra: Iterable[str]) -> str:
    """The header value: BASE_POLICY with the configured image origins, plus `extra` sources per
    directive (img_src=["https://…"] adds to img-src)."""
    directives = {name: list(sources) for name, sources in BASE_POLICY.items()}
    directives["img-src"] += _checked_origins("FANGKONG_CSP_IMG_EXTRA", getattr(settings, "FANGKONG_CSP_IMG_EXTRA", ()))
    for key, sources in extra.items():
        directives.setdefault(key.replace("_", "-"), []).extend(sources)
    return "; ".join(f"{name} {' '.join(dict.fromkeys(sources))}" for name, sources in directives.items())


def with_sources(**extra: Iterable[str]) -> Callable:
    """A view decorator: the view's answers carry the policy with `extra` sources added
    (worker_src=["'self'", "blob:"] adds a worker-src directive)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            response[HEADER] = policy(**extra)
            return response

        return wrapped

    return decorate


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that has none (static files, API answers and error pages
    included: the header costs nothing where no script runs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = policy()  # a bad FANGKONG_CSP_IMG_EXTRA stops the server at start-up
        if getattr(settings, "FANGKONG_MAP_TILE_URL", ""):
            tile_origin(settings.FANGKONG_MAP_TILE_URL)  # and so does a tile server that is not an origin

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = self.header
        return response
