"""Policy pages: everyone signed in reads the profiles; administrators (POLICY_MANAGE)
activate, copy and edit local profiles — all through fangkong.policy.services (audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.errors import DomainError, PermissionRefused

from . import selectors, services
from .forms import ParameterChangeForm, ProfileCopyForm


def _can_manage(request: HttpRequest) -> bool:
    return services.may_manage(request.user)  # the capability and a city-wide grant: the policy is the city's


def _require_manager(request: HttpRequest) -> None:
    if not _can_manage(request):
        raise PermissionDenied


@login_required
def profile_list(request: HttpRequest) -> HttpResponse:
    return render(request, "policy/profile_list.html", {"profiles": selectors.profile_list(), "can_manage": _can_manage(request)})


@login_required
def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = selectors.profile_get(pk=pk)
    can_manage = _can_manage(request)
    context = {
        "profile": profile,
        "parameters": selectors.parameter_rows(profile=profile, can_manage=can_manage),
        "can_manage": can_manage,
        "copy_form": ProfileCopyForm(initial={"name": _("%(name)s（本地）") % {"name": profile.name}}),
    }
    return render(request, "policy/profile_detail.html", context)


@login_required
@require_POST
def profile_activate(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    profile = selectors.profile_get(pk=pk)
    try:
        services.profile_activate(actor=request.user, profile=profile)
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("已启用“%(name)s”，新的防控规则即时生效。") % {"name": profile.name})
    return redirect("policy:profile_detail", pk=profile.pk)


@login_required
def profile_copy(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    source = selectors.profile_get(pk=pk)
    form = ProfileCopyForm(request.POST or None, initial={"name": _("%(name)s（本地）") % {"name": source.name}})
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.profile_copy(actor=request.user, source=source, **form.cleaned_data)
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("已复制为本地版本“%(name)s”，可修改参数后启用。") % {"name": copy.name})
            return redirect("policy:profile_detail", pk=copy.pk)
    return render(request, "policy/profile_copy.html", {"source": source, "form": form})


@login_required
def parameter_edit(request: HttpRequest, pk: int, parameter_pk: int) -> HttpResponse:
    _require_manager(request)
    profile = selectors.profile_get(pk=pk)
    parameter = selectors.parameter_get(profile=profile, pk=parameter_pk)
    form = ParameterChangeForm(request.POST or None, initial={"value": selectors.display_value(parameter.value)})
    if request.method == "POST" and form.is_valid():
        try:
            services.parameter_change(
                actor=request.user, parameter=parameter, raw_value=form.cleaned_data["value"], source=form.cleaned_data["source"]
            )
        except PermissionRefused as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            if profile.is_builtin:
                messages.error(request, exc.message)
                return redirect("policy:profile_detail", pk=profile.pk)
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("参数 %(key)s 已修改。") % {"key": parameter.key})
            return redirect("policy:profile_detail", pk=profile.pk)
    context = {"profile": profile, "parameter": parameter, "form": form, "current": selectors.display_value(parameter.value)}
    return render(request, "policy/parameter_edit.html", context)


@login_required
def profile_compare(request: HttpRequest) -> HttpResponse:
    profiles, rows = selectors.compare_table()
    return render(request, "policy/compare.html", {"profiles": profiles, "rows": rows, "can_manage": _can_manage(request)})
