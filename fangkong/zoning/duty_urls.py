"""The 4+N duty pages, mounted under zoning/ (fangkong.zoning.urls)."""

from django.urls import path

from . import duty_views

urlpatterns = [
    path("duty/", duty_views.duty_list, name="duty_list"),
    path("duty/compound/<int:pk>/", duty_views.duty_compound, name="duty_compound"),
    path("duty/compound/<int:pk>/post/", duty_views.duty_post_create, name="duty_post_create"),
    path("duty/compound/<int:pk>/shift/", duty_views.duty_shift_create, name="duty_shift_create"),
    path("duty/post/<int:pk>/remove/", duty_views.duty_post_remove_view, name="duty_post_remove"),
    path("duty/shift/<int:pk>/", duty_views.duty_shift_page, name="duty_shift"),
    path("duty/shift/<int:pk>/remove/", duty_views.duty_shift_remove_view, name="duty_shift_remove"),
    path("duty/check-in/", duty_views.duty_check_in_page, name="duty_check_in"),
]
