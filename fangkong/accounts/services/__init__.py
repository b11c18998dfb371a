"""Writes about accounts: signing in (throttled, audited), the TOTP second factor, API tokens and
passwords. One module per subject; the names callers use are re-exported here."""

from .managed import (
    account_create,
    account_password_reset,
    account_second_factor_reset,
    account_set_active,
    account_update,
    temporary_password,
)
from .passwords import password_change, password_rules_check
from .revoking import api_tokens_revoke_for
from .second_factor import second_factor_required, totp_device_confirm, totp_device_start, totp_verify, user_has_second_factor
from .signin import (
    BACKEND,
    LoginFailed,
    LoginLocked,
    LoginResult,
    api_token_obtain,
    check_own_password,
    login_check_password,
    login_check_token,
    logout_record,
)
from .tokens import (
    IssuedToken,
    TokenRefused,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    api_token_sign_in,
    personal_token_days,
)

__all__ = [
    "BACKEND",
    "IssuedToken",
    "LoginFailed",
    "LoginLocked",
    "LoginResult",
    "TokenRefused",
    "account_create",
    "account_password_reset",
    "account_second_factor_reset",
    "account_set_active",
    "account_update",
    "api_token_authenticate",
    "api_token_create",
    "api_token_obtain",
    "api_token_revoke",
    "api_token_sign_in",
    "api_tokens_revoke_for",
    "check_own_password",
    "login_check_password",
    "login_check_token",
    "logout_record",
    "password_change",
    "password_rules_check",
    "personal_token_days",
    "second_factor_required",
    "temporary_password",
    "totp_device_confirm",
    "totp_device_start",
    "totp_verify",
    "user_has_second_factor",
]
