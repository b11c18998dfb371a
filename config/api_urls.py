"""The REST API: each app registers its viewsets on one router."""

from rest_framework.routers import DefaultRouter

from fangkong.geo.api import register as register_geo

router = DefaultRouter()
register_geo(router)

urlpatterns = router.urls
