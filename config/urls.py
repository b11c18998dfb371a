"""Pages and API: each module mounts its own (fangkong.core.modules, from the app's registry.py);
only the framework's own routes are listed here."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from fangkong.core.csp import with_sources

from fangkong.core.modules import registry

urlpatterns = [
    *(path(prefix, include(urlconf)) for prefix, urlconf in registry.page_mounts()),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline: the
    # Content-Security-Policy (fangkong.core.csp) runs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # ReDoc builds its search index in a worker it starts from a blob: URL.
    path("api/redoc/", with_sources(worker_src=["'self'", "blob:"])(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
