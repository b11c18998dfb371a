"""Signing in and out, the TOTP second factor, the user's own account page (我的账号: password,
second factor, API tokens) and the account managers' token list.

Views parse, call fangkong.accounts.services and render; the rules (throttle, tokens) live there.
The API token endpoint is in fangkong.accounts.api.
"""

from __future__ import annotations

import time
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from fangkong.core.errors import DomainError
from fangkong.core.pagination import paginate
from fangkong.core.permissions import user_can

from . import selectors, services, throttle
from .forms import ApiTokenCreateForm, LoginForm, PasswordChangeForm, TokenForm
from .middleware import second_factor_exempt
from .permissions import ACCOUNTS_MANAGE

PENDING_USER = "_fk_pending_user"
PENDING_BACKEND = "_fk_pending_backend"
PENDING_AT = "_fk_pending_at"
PENDING_MAX_SECONDS = 300
NEW_TOKEN = "_fk_new_api_token"


def _next_url(request: HttpRequest, default: str | None = None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return resolve_url(default or settings.LOGIN_REDIRECT_URL)


def _next_value(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    ok = url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return candidate if ok else ""


@second_factor_exempt
@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.login_check_password(
                request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if result.needs_second_factor:
                request.session[PENDING_USER] = result.user.pk
                request.session[PENDING_BACKEND] = result.user.backend
                request.session[PENDING_AT] = time.time()
                target = resolve_url("accounts:login_otp")
                nxt = _next_value(request)
                return redirect(f"{target}?next={nxt}" if nxt else target)
            auth_login(request, result.user)
            response = redirect(_next_url(request))
            throttle.remember_browser(request, response, result.user.get_username())
            return response
    return render(request, "registration/login.html", {"form": form, "next": _next_value(request)})


def _pending_user(request: HttpRequest) -> Any | None:
    pk = request.session.get(PENDING_USER)
    at = request.session.get(PENDING_AT) or 0
    if pk is None or time.time() - at > PENDING_MAX_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is not None:
        user.backend = request.session.get(PENDING_BACKEND)
    return user


def _clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_AT):
        request.session.pop(key, None)


@second_factor_exempt
@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def login_otp(request: HttpRequest) -> HttpResponse:
    """Second step of signing in for users with a confirmed TOTP device."""
    user = _pending_user(request)
    if user is None:
        _clear_pending(request)
        messages.warning(request, _("登录已超时，请重新输入用户名和密码。"))
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.login_check_token(request=request, user=user, token=form.cleaned_data["token"])
        except services.LoginLocked as exc:
            _clear_pending(request)
            messages.error(request, exc.message)
            return redirect("accounts:login")
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            _clear_pending(request)
            user.otp_device = device  # django_otp marks the new session verified on login
            auth_login(request, user, backend=user.backend)
            response = redirect(_next_url(request))
            throttle.remember_browser(request, response, user.get_username())
            return response
    return render(request, "registration/login_otp.html", {"form": form, "next": _next_value(request), "pending_user": user})


@second_factor_exempt
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    services.logout_record(actor=request.user)
    auth_logout(request)
    messages.info(request, _("您已安全退出。"))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@second_factor_exempt
@login_required
@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    """Where the middleware sends users who must pass a second factor: enrol, or enter a token."""
    nxt = _next_value(request)
    if selectors.confirmed_device(user=request.user) is None:
        target = resolve_url("accounts:totp_setup")
        return redirect(f"{target}?next={nxt}" if nxt else target)
    if request.user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:  # checked like the second step of signing in: counted, delayed, audited
            device = services.login_check_token(request=request, user=request.user, token=form.cleaned_data["token"])
        except services.LoginLocked as exc:
            form.add_error(None, exc.message)
        except DomainError:
            form.add_error("token", _("动态口令错误或已使用，请等待下一个口令。"))
        else:
            otp_login(request, device)
            return redirect(_next_url(request))
    return render(request, "accounts/second_factor.html", {"form": form, "next": nxt})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@second_factor_exempt
@login_required
@never_cache
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol (or replace) the TOTP device: scan the QR code, then confirm with the first token."""
    existing = selectors.confirmed_device(user=request.user)
    if existing is not None and not request.user.is_verified():
        # Replacing a device needs the current one first.
        return redirect(f"{resolve_url('accounts:second_factor')}?next={request.get_full_path()}")
    device = services.totp_device_start(actor=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(actor=request.user, device=device, token=form.cleaned_data["token"])
        except DomainError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            messages.success(request, _("动态口令已绑定。今后登录时需要输入手机上的 6 位口令。"))
            return redirect(_next_url(request, "accounts:profile"))
    uri = device.config_url
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    context = {
        "form": form,
        "qr_svg": _qr_svg(uri),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "otpauth_uri": uri,
        "replacing": existing is not None,
        "next": _next_value(request),
    }
    return render(request, "accounts/totp_setup.html", context)


@login_required
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """我的账号: role, capabilities and grants; password; second factor; the user's API tokens."""
    days = services.personal_token_days()
    context = {
        "grants": selectors.grant_rows(user=request.user),
        "capabilities": selectors.capability_list(user=request.user),
        "device": selectors.confirmed_device(user=request.user),
        "second_factor_required": services.second_factor_required(request.user),
        "tokens": selectors.api_tokens_of(user=request.user),
        "new_key": request.session.pop(NEW_TOKEN, None),
        "token_form": ApiTokenCreateForm(days=days),
        "sign_in_hours": settings.FANGKONG_API_TOKEN_SIGN_IN_HOURS,
        "can_manage_accounts": user_can(request.user, ACCOUNTS_MANAGE),
    }
    return render(request, "accounts/profile.html", context)


def _profile_tokens() -> str:
    return f"{reverse('accounts:profile')}#api-tokens"


def _password_change_exempt(view: Any) -> Any:
    """Reachable while a temporary password waits to be changed (TemporaryPasswordMiddleware)."""
    view.password_change_exempt = True
    return view


@_password_change_exempt
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoked = services.password_change(
                request=request,
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except services.LoginLocked as exc:
            form.add_error(None, exc.message)
        except DomainError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            update_session_auth_hash(request, request.user)  # this session stays; the others end
            messages.success(request, _("密码已修改。其他设备上的登录已退出。"))
            if revoked:
                messages.info(request, _("您的 %(count)s 个 API 令牌已作废，请按需重新生成。") % {"count": revoked})
            return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form, "temporary": request.user.must_change_password})


@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    """The old token page: the tokens are on 我的账号 now."""
    return redirect(_profile_tokens())


@login_required
@require_POST
def api_token_create(request: HttpRequest) -> HttpResponse:
    """A personal token; its key goes through the server-side session to the next page, once."""
    form = ApiTokenCreateForm(request.POST, days=services.personal_token_days())
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(_profile_tokens())
    is_verified = getattr(request.user, "is_verified", None)
    try:
        issued = services.api_token_create(
            actor=request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
            second_factor=bool(is_verified and is_verified()),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        request.session[NEW_TOKEN] = issued.key
        messages.success(request, _("已生成新的 API 令牌。"))
    return redirect(_profile_tokens())


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke a token: one's own (from 我的账号), or anyone's for an account manager."""
    token = selectors.api_token_for_revoke(user=request.user, pk=pk)
    if token is None:
        raise Http404
    if services.api_token_revoke(actor=request.user, token=token):
        messages.info(request, _("令牌 %(prefix)s… 已作废。") % {"prefix": token.prefix})
    return redirect(_next_url(request, _profile_tokens()))


@login_required
@never_cache
def token_admin(request: HttpRequest) -> HttpResponse:
    """Every user's API tokens, for account managers (ACCOUNTS_MANAGE), with revoke buttons."""
    if not user_can(request.user, ACCOUNTS_MANAGE):
        raise PermissionDenied
    username = (request.GET.get("username") or "").strip()[:150]
    include_ended = request.GET.get("ended") == "1"
    tokens = selectors.api_token_list(user=request.user, username=username, include_ended=include_ended)
    context = {"page_obj": paginate(request, tokens, per_page=50), "username": username, "include_ended": include_ended}
    return render(request, "accounts/token_admin.html", context)


@login_required
def role_capabilities(request: HttpRequest) -> HttpResponse:
    """角色与权限: what each role may do, as the modules declare it (fangkong.core.modules), for
    account managers: which capability opens personal details (need-to-know), which roles hold it."""
    if not user_can(request.user, ACCOUNTS_MANAGE):
        raise PermissionDenied
    return render(request, "accounts/role_capabilities.html", selectors.role_capability_table())
