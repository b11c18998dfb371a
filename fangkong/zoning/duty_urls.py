"""The 4+N duty pages, mounted under zoning/ (fangkong.zoning.urls)."""

from django.urls import path

from . import duty_views

urlpatterns = [
    path("duty/", duty_views.duty_list, name="duty_list"),
    path("duty/compound/<int:pk>/", duty_views.duty_compound, name="duty_compound"),
    path("duty/compound/<int:pk>/post/", duty_views.duty_post_create, name="duty_post_create"),
    path("duty/compound/<int:pk>/shift/", duty_views.duty_shift_create, name="duty_shift_create"),
    path("duty/check-in/", duty_views.duty_check_in_page, name="duty_check_in"),
]
