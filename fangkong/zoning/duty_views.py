"""4+N duty pages. The compounds needing a roster, and one compound's page — who is on duty now, the
roster, the gaps of the next 24 hours — open with a grant on the compound (the roster names staff,
phones masked); adding people and shifts needs zoning.duty. The check-in page is the signed-in
person's own shifts, for a phone."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.clock import now
from fangkong.core.coverage import span_label
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require_page, user_can
from fangkong.geo.models import Compound

from . import duty
from .duty_forms import DutyPostForm, DutyShiftChangeForm, DutyShiftForm
from .models import DutyPost, DutyShift
from .permissions import ZoningCap
from .services.duty import (
    duty_check_in,
    duty_post_add,
    duty_post_remove,
    duty_shift_change,
    duty_shift_remove,
    duty_shifts_add,
    user_by_username,
)


@login_required
def duty_list(request: HttpRequest) -> HttpResponse:
    rows = duty.duty_board(user=request.user)
    return render(request, "zoning/duty_list.html", {"rows": rows, "has_shifts": bool(duty.shifts_of(request.user))})


def _area_choices(compound: Compound) -> list[tuple[int, str]]:
    return [(a.pk, a.name) for a in duty.compound_areas(compound)]


def _post_choices(compound: Compound) -> list[tuple[int, str]]:
    return [(p.pk, str(p)) for p in DutyPost.objects.filter(compound=compound, removed_at__isnull=True).order_by("role", "id")]


def _compound_page(
    request: HttpRequest,
    compound: Compound,
    *,
    post_form: DutyPostForm | None = None,
    shift_form: DutyShiftForm | None = None,
    removing: tuple[DutyPost, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    at = now()
    can_manage = user_can(request.user, ZoningCap.DUTY)
    context: dict[str, Any] = {
        "compound": compound,
        "at": at,
        "on_duty": duty.on_duty(compound, at=at),
        "posts": duty.roster(compound, at=at),
        "gaps": duty.compound_gaps([compound.pk], at=at)[compound.pk],
        "areas": list(duty.compound_areas(compound, at=at)),
        "can_manage": can_manage,
        "removing": removing,  # (post, why): a removal to confirm (the person is on duty now)
    }
    if can_manage:
        context["post_form"] = post_form or DutyPostForm(areas=_area_choices(compound))
        context["shift_form"] = shift_form or DutyShiftForm(posts=_post_choices(compound))
    return render(request, "zoning/duty_compound.html", context, status=status)


@login_required
def duty_compound(request: HttpRequest, pk: int) -> HttpResponse:
    return _compound_page(request, duty.compound_get(user=request.user, pk=pk))


@login_required
@require_POST
def duty_post_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, ZoningCap.DUTY)
    compound = duty.compound_get(user=request.user, pk=pk)
    form = DutyPostForm(request.POST, areas=_area_choices(compound))
    if form.is_valid():
        data = form.cleaned_data
        with refused_on(form):
            area_id = int(data["area"]) if data["area"] else None
            post = duty_post_add(
                actor=request.user,
                compound=compound,
                role=data["role"],
                name=data["name"],
                phone=data["phone"],
                rank=data["rank"],
                area=duty.compound_areas(compound).filter(pk=area_id).first() if area_id else None,
                user=user_by_username(data["user"]),
            )
            messages.success(request, _("已添加值守人员：%(p)s") % {"p": post})
            return redirect("zoning:duty_compound", pk=compound.pk)
    return _compound_page(request, compound, post_form=form, status=422)


@login_required
@require_POST
def duty_shift_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, ZoningCap.DUTY)
    compound = duty.compound_get(user=request.user, pk=pk)
    form = DutyShiftForm(request.POST, posts=_post_choices(compound))
    if form.is_valid():
        data = form.cleaned_data
        post = get_object_or_404(DutyPost, pk=int(data["post"]), compound=compound)
        with refused_on(form):
            shifts = duty_shifts_add(actor=request.user, post=post, starts_at=data["starts_at"], ends_at=data["ends_at"], days=data["days"])
            messages.success(request, _("已排定 %(n)s 个班次：%(p)s") % {"n": len(shifts), "p": post})
            return redirect("zoning:duty_compound", pk=compound.pk)
    return _compound_page(request, compound, shift_form=form, status=422)


@login_required
@require_POST
def duty_post_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a person off the roster; their shift under way ends now only when confirmed."""
    require_page(request.user, ZoningCap.DUTY)
    post = duty.post_get(user=request.user, pk=pk)
    try:
        duty_post_remove(actor=request.user, post=post, confirm_under_way=request.POST.get("confirm") == "1")
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return _compound_page(request, post.compound, removing=(post, exc.message), status=422)
    messages.success(request, _("已移出值守名单：%(p)s") % {"p": post})
    return redirect("zoning:duty_compound", pk=post.compound_id)


def _shift_page(
    request: HttpRequest, shift: DutyShift, *, form: DutyShiftChangeForm | None = None, error: str = "", status: int = 200
) -> HttpResponse:
    at = now()
    initial = {"starts_at": shift.starts_at, "ends_at": shift.ends_at}
    context = {
        "shift": shift,
        "compound": shift.compound,
        "span": span_label(shift.starts_at, shift.ends_at),
        "ended": shift.ends_at <= at,
        "under_way": shift.starts_at <= at < shift.ends_at,
        "form": form or DutyShiftChangeForm(initial=initial),
        "error": error,
    }
    return render(request, "zoning/duty_shift.html", context, status=status)


@login_required
def duty_shift_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One shift: change its times (one under way: only its end), or cancel it."""
    require_page(request.user, ZoningCap.DUTY)
    shift = duty.shift_get(user=request.user, pk=pk)
    if request.method != "POST":
        return _shift_page(request, shift)
    form = DutyShiftChangeForm(request.POST)
    if form.is_valid():
        with refused_on(form):
            duty_shift_change(
                actor=request.user, shift=shift, starts_at=form.cleaned_data["starts_at"], ends_at=form.cleaned_data["ends_at"]
            )
            messages.success(request, _("已修改班次：%(p)s") % {"p": shift.post})
            return redirect("zoning:duty_compound", pk=shift.compound_id)
    return _shift_page(request, shift, form=form, status=422)


@login_required
@require_POST
def duty_shift_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, ZoningCap.DUTY)
    shift = duty.shift_get(user=request.user, pk=pk)
    try:
        kept = duty_shift_remove(actor=request.user, shift=shift, confirm_under_way=request.POST.get("confirm") == "1")
    except PermissionRefused as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return _shift_page(request, shift, error=exc.message, status=422)
    if kept is None:
        messages.success(request, _("已取消班次：%(p)s") % {"p": shift.post})
    else:
        messages.success(request, _("班次已于现在结束：%(p)s") % {"p": shift.post})
    return redirect("zoning:duty_compound", pk=shift.compound_id)


@login_required
def duty_check_in_page(request: HttpRequest) -> HttpResponse:
    """The signed-in person's shifts (under way, and the next 24 hours); check in for the one under way."""
    require_page(request.user, ZoningCap.CHECK_IN)
    error = ""
    status = 200
    if request.method == "POST":
        raw = request.POST.get("shift", "")
        shift = get_object_or_404(DutyShift, pk=int(raw) if raw.isdigit() else 0, post__user=request.user)
        try:
            duty_check_in(actor=request.user, shift=shift)
        except DomainError as exc:
            error, status = exc.message, 422
        else:
            messages.success(request, _("签到成功"))
            return redirect("zoning:duty_check_in")
    at = now()
    shifts = [(s, duty.check_in_open(s, at=at), span_label(s.starts_at, s.ends_at)) for s in duty.shifts_of(request.user, at=at)]
    return render(request, "zoning/duty_check_in.html", {"shifts": shifts, "error": error, "at": at}, status=status)
