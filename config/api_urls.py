"""The REST API: one router; each module registers its viewsets (fangkong.core.modules)."""

from rest_framework.routers import DefaultRouter

from fangkong.core.modules import registry

router = DefaultRouter()
for register in registry.api_registrars():
    register(router)

urlpatterns = router.urls
