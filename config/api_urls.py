"""The REST API: each app registers its viewsets on one router."""

from rest_framework.routers import DefaultRouter

from fangkong.accounts.api import ApiTokenViewSet
from fangkong.cases.api import register as register_cases
from fangkong.geo.api import register as register_geo
from fangkong.isolation.api import register as register_isolation
from fangkong.testing.api import register as register_testing

router = DefaultRouter()
router.register("token", ApiTokenViewSet, basename="api-token")
register_geo(router)
register_testing(router)
register_cases(router)
register_isolation(router)

urlpatterns = router.urls
