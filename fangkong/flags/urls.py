from django.urls import path

from . import views

app_name = "flags"

urlpatterns = [
    path("", views.flag_list, name="flag_list"),
]
