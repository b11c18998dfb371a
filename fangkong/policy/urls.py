from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [path("", views.profile_list, name="profile_list")]
