from django.urls import path

from . import views

app_name = "geo"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("people/", views.person_search, name="person_search"),
]
