"""The REST API: each app registers its viewsets on one router."""

from rest_framework.routers import DefaultRouter

from fangkong.accounts.views import ApiTokenViewSet
from fangkong.geo.api import register as register_geo
from fangkong.testing.api import register as register_testing

router = DefaultRouter()
router.register("token", ApiTokenViewSet, basename="api-token")
register_geo(router)
register_testing(router)

urlpatterns = router.urls
