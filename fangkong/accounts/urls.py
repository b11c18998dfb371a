from django.urls import path

from . import management_views as manage
from . import views

app_name = "accounts"
urlpatterns = [
    path("", views.profile, name="profile"),
    path("login/", views.login_view, name="login"),
    path("login/token/", views.login_otp, name="login_otp"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/setup/", views.totp_setup, name="totp_setup"),
    path("api-token/", views.api_token, name="api_token"),
    path("api-tokens/new/", views.api_token_create, name="api_token_create"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("tokens/", views.token_admin, name="token_admin"),
    path("roles/", views.role_capabilities, name="role_capabilities"),
    path("manage/", manage.account_list, name="account_list"),
    path("manage/new/", manage.account_create, name="account_create"),
    path("manage/<int:pk>/", manage.account_detail, name="account_detail"),
    path("manage/<int:pk>/deactivate/", manage.account_deactivate, name="account_deactivate"),
    path("manage/<int:pk>/reactivate/", manage.account_reactivate, name="account_reactivate"),
    path("manage/<int:pk>/password-reset/", manage.account_password_reset, name="account_password_reset"),
    path("manage/<int:pk>/second-factor-reset/", manage.account_second_factor_reset, name="account_second_factor_reset"),
]
