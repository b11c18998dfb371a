from django.urls import path

from . import views

app_name = "daily"
urlpatterns = [
    path("", views.day, name="day"),  # ?date=2022-11-22
    path("open/", views.open_report, name="open"),
    path("<int:pk>/", views.report, name="report"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/compile/", views.compile_units, name="compile"),
    path("<int:pk>/refill/", views.refill, name="refill"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
    path("<int:pk>/export/<str:fmt>/", views.export, name="export"),  # docx | pdf | xlsx
]
