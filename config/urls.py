"""Pages and API: each module mounts its own (fangkong.core.modules, from the app's registry.py);
only the framework's own routes are listed here."""

from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated

from fangkong.core import health, metrics
from fangkong.core.api import api_not_found
from fangkong.core.csp import with_sources
from fangkong.core.modules import registry


class _DocsPermission(IsAuthenticated):
    """The schema: anyone when settings.FANGKONG_API_DOCS_PUBLIC (the demo), else signed-in callers
    (a session or an API token)."""

    def has_permission(self, request, view):
        return settings.FANGKONG_API_DOCS_PUBLIC or super().has_permission(request, view)


def _docs_page(view):
    """The docs pages: behind the login page unless settings.FANGKONG_API_DOCS_PUBLIC."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.FANGKONG_API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


_docs = {"permission_classes": [_DocsPermission]}
_open = {"permission_classes": [AllowAny]}  # the page itself is gated by _docs_page

urlpatterns = [
    *(path(prefix, include(urlconf)) for prefix, urlconf in registry.page_mounts()),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(**_docs), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline: the
    # Content-Security-Policy (fangkong.core.csp) runs no inline script.
    path("api/docs/", _docs_page(SpectacularSwaggerSplitView.as_view(url_name="api-schema", **_open)), name="api-docs"),
    # ReDoc builds its search index in a worker it starts from a blob: URL.
    path(
        "api/redoc/",
        _docs_page(with_sources(worker_src=["'self'", "blob:"])(SpectacularRedocView.as_view(url_name="api-schema", **_open))),
        name="api-redoc",
    ),
    path("admin/", admin.site.urls),
    # Probes and the scraper (docs/operator-guide.md §7): no trailing slash, as probes are written.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    # Any other URL under /api/ (one without its final slash is redirected to it first): 404 in the
    # API's `Error` shape, not the site's HTML page.
    re_path(r"^api/.*/$", api_not_found, name="api_not_found"),
]

# No media URL, in DEBUG or not: uploaded files and reports hold personal data and are served only
# by their scoped, audited views (fangkong.core.filestore).
