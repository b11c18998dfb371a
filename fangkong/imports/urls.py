from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("upload/", views.job_upload, name="job_upload"),
    path("template.<str:fmt>", views.template_download, name="template"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/import-valid-rows/", views.job_import_valid_rows, name="job_import_valid_rows"),
    path("<int:pk>/errors.csv", views.job_error_report, name="job_error_report"),
    path("<int:pk>/file/", views.job_file, name="job_file"),
]
