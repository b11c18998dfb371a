from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("login/", views.login_view, name="login"),
    path("login/token/", views.login_otp, name="login_otp"),
    path("logout/", views.logout_view, name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/setup/", views.totp_setup, name="totp_setup"),
    path("api-token/", views.api_token, name="api_token"),
]
