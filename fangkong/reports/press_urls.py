from django.urls import path

from . import press_views

app_name = "press"
urlpatterns = [path("", press_views.brief, name="brief")]
