from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.profile_list, name="profile_list"),
    path("compare/", views.profile_compare, name="compare"),
    path("<int:pk>/", views.profile_detail, name="profile_detail"),
    path("<int:pk>/activate/", views.profile_activate, name="profile_activate"),
    path("<int:pk>/copy/", views.profile_copy, name="profile_copy"),
    path("<int:pk>/parameters/<int:parameter_pk>/", views.parameter_edit, name="parameter_edit"),
]
