from django.urls import path, register_converter

from . import views


class LevelConverter:
    """The place levels a browse URL may name (the city is the root, the household has its own page)."""

    regex = "district|street|community|compound|building|unit"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LevelConverter, "level")

app_name = "geo"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<level:level>/<int:pk>/", views.browse, name="place"),
    path("household/<int:pk>/", views.household_detail, name="household"),
    path("people/", views.person_search, name="person_search"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/reveal-id/", views.person_reveal_id, name="person_reveal_id"),
]
