from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.home, name="home"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("rectifications/", views.rectification_list, name="rectification_list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification_detail"),
    path("rectifications/<int:pk>/fix/", views.rectification_fix_view, name="rectification_fix"),
    path("rectifications/<int:pk>/verify/", views.rectification_verify_view, name="rectification_verify"),
    path("rectifications/<int:pk>/photo/<slug:which>/", views.photo, name="photo"),
    path("accountability/", views.accountability, name="accountability"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/assign/", views.assignment_new, name="assignment_new"),
]
