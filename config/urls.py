from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny, IsAuthenticated


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
    path("", include("fangkong.reports.urls")),
    path("accounts/", include("fangkong.accounts.urls")),
    path("places/", include("fangkong.geo.urls")),
    path("imports/", include("fangkong.imports.urls")),
    path("testing/", include("fangkong.testing.urls")),
    path("cases/", include("fangkong.cases.urls")),
    path("isolation/", include("fangkong.isolation.urls")),
    path("audit/", include("fangkong.audit.urls")),
    path("policy/", include("fangkong.policy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(**_docs), name="api-schema"),
    path("api/docs/", _docs_page(SpectacularSwaggerView.as_view(url_name="api-schema", **_open)), name="api-docs"),
    path("api/redoc/", _docs_page(SpectacularRedocView.as_view(url_name="api-schema", **_open)), name="api-redoc"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
