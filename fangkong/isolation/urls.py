"""isolation pages (being built)."""

from django.urls import path  # noqa: F401

app_name = "isolation"
urlpatterns: list = []
