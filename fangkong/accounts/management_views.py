"""账号管理: the accounts an account manager (ACCOUNTS_MANAGE) may manage — list, create, edit role
and grants, deactivate and reactivate, reset password and second factor.

Views parse, call fangkong.accounts.services and render; whose accounts and which grants are
fangkong.accounts.reach. An account outside the manager's reach answers 404, like a missing one.
A temporary password goes through the server-side session to the next page, shown once.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page
from fangkong.core.roles import Role

from . import selectors, services
from .forms import AccountForm
from .models import User
from .permissions import ACCOUNTS_MANAGE

TEMPORARY_PASSWORD = "_fk_temporary_password"


def _account_or_404(request: HttpRequest, pk: int) -> User:
    require_page(request.user, ACCOUNTS_MANAGE)
    account = selectors.account_get(user=request.user, pk=pk)
    if account is None:
        raise Http404
    return account


def _form(request: HttpRequest, *, creating: bool, data: Any = None, initial: dict[str, Any] | None = None) -> AccountForm:
    return AccountForm(
        data,
        initial=initial,
        roles=selectors.assignable_roles(user=request.user),
        grant_choices=selectors.grant_choices(user=request.user),
        creating=creating,
    )


def _apply(form: AccountForm, call: Any) -> Any:
    """Run a service call; its refusal goes onto the form (None), a capability refusal is a 403."""
    try:
        return call()
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None


def _remember_password(request: HttpRequest, account: User, password: str) -> None:
    request.session[TEMPORARY_PASSWORD] = {"pk": account.pk, "password": password}


@login_required
@never_cache
def account_list(request: HttpRequest) -> HttpResponse:
    require_page(request.user, ACCOUNTS_MANAGE)
    search = (request.GET.get("q") or "").strip()[:150]
    role = request.GET.get("role") or ""
    role = role if role in Role.values else ""
    state = request.GET.get("state") or ""
    state = state if state in ("active", "inactive") else ""
    page_obj = paginate(request, selectors.account_list(user=request.user, search=search, role=role, state=state), per_page=50)
    accounts = list(page_obj.object_list)
    grants = selectors.account_grant_rows(accounts)
    context = {
        "page_obj": page_obj,
        "rows": [(a, grants[a.pk]) for a in accounts],
        "q": search,
        "role": role,
        "state": state,
        "roles": Role.choices,
    }
    return render(request, "accounts/manage/account_list.html", context)


@login_required
@never_cache
def account_create(request: HttpRequest) -> HttpResponse:
    require_page(request.user, ACCOUNTS_MANAGE)
    form = _form(request, creating=True, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _apply(
            form,
            lambda: services.account_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                phone=data["phone"],
                role=data["role"],
                grants=data["grants"],
            ),
        )
        if created is not None:
            account, password = created
            _remember_password(request, account, password)
            messages.success(request, _("账号 %(username)s 已建立。") % {"username": account.username})
            return redirect("accounts:account_detail", pk=account.pk)
    return render(request, "accounts/manage/account_form.html", {"form": form})


@login_required
@never_cache
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: its details, role and grants (editable), state, second factor, and the actions."""
    account = _account_or_404(request, pk)
    initial = {
        "full_name": account.full_name,
        "phone": account.phone,
        "role": account.role,
        "grants": [s.key for s in selectors.account_grants(account=account)],
    }
    form = _form(request, creating=False, data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = _apply(
            form,
            lambda: services.account_update(
                actor=request.user,
                account=account,
                full_name=data["full_name"],
                phone=data["phone"],
                role=data["role"],
                grants=data["grants"],
            ),
        )
        if changed is not None:
            messages.success(request, _("已保存。") if changed else _("没有需要保存的修改。"))
            return redirect("accounts:account_detail", pk=account.pk)
    shown = request.session.pop(TEMPORARY_PASSWORD, None)
    context = {
        "account": account,
        "form": form,
        "grants": selectors.grant_rows(user=account),
        "device": selectors.confirmed_device(user=account),
        "temporary_password": shown["password"] if shown and shown.get("pk") == account.pk else "",
    }
    return render(request, "accounts/manage/account_detail.html", context)


def _action(request: HttpRequest, pk: int, call: Any) -> tuple[User, Any]:
    account = _account_or_404(request, pk)
    try:
        return account, call(account)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc


@login_required
@require_POST
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account, _changed = _action(request, pk, lambda a: services.account_set_active(actor=request.user, account=a, active=False))
    messages.info(request, _("账号 %(username)s 已停用：不能再登录，API 令牌已作废。") % {"username": account.username})
    return redirect("accounts:account_detail", pk=pk)


@login_required
@require_POST
def account_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    account, _changed = _action(request, pk, lambda a: services.account_set_active(actor=request.user, account=a, active=True))
    messages.info(request, _("账号 %(username)s 已启用。") % {"username": account.username})
    return redirect("accounts:account_detail", pk=pk)


@login_required
@require_POST
def account_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account, password = _action(request, pk, lambda a: services.account_password_reset(actor=request.user, account=a))
    _remember_password(request, account, password)
    messages.success(request, _("已为 %(username)s 生成临时密码。") % {"username": account.username})
    return redirect("accounts:account_detail", pk=pk)


@login_required
@require_POST
def account_second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    account, _count = _action(request, pk, lambda a: services.account_second_factor_reset(actor=request.user, account=a))
    messages.success(request, _("已解除 %(username)s 的动态口令，用户下次登录时重新绑定。") % {"username": account.username})
    return redirect("accounts:account_detail", pk=pk)
