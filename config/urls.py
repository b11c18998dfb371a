from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

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
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("admin/", admin.site.urls),
]

# No media URL, in DEBUG or not: uploaded files and reports hold personal data and are served only
# by their scoped, audited views (fangkong.core.filestore).
