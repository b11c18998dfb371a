"""快检 pages for sampling staff (采样), on a phone or a PC: pick the sampling point, scan a tube,
add people by ID number (and the rest of their household at once), close the tube, scan the next.

Views only parse, call sampling_desk (reads) and services (writes), and render. A tube at a point
the user does not see answers 404. Every form works without JavaScript (POST, then redirect); with
htmx the tube's workspace is swapped in place and refusals appear next to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from fangkong.core.errors import DomainError
from fangkong.core.htmx import render_page
from fangkong.core.permissions import user_can
from fangkong.geo.choices import IdType
from fangkong.geo.forms import clean_id_input
from fangkong.testing.permissions import TestingCap

from .. import selectors, services
from ..barcodes import MAX_LENGTH as MAX_BARCODE
from ..barcodes import validate_barcode
from ..choices import PoolingMode, RoundStatus, TubeStatus
from ..models import SamplingPoint, TestingRound, Tube
from ..selectors import sampling_desk

HOME_TEMPLATE = "testing/sampling/home.html"
TUBE_TEMPLATE = "testing/sampling/tube_detail.html"


def _session_key(testing_round: TestingRound) -> str:
    return f"testing.sampling_point.{testing_round.pk}"


def sampling_required(view: Callable) -> Callable:
    """Signed in (else the login page) and a role that may sample (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_can(request.user, TestingCap.SAMPLE):
            raise PermissionDenied(_("您的角色无权采样登记"))
        return view(request, *args, **kwargs)

    return wrapped


class TubeOpenForm(forms.Form):
    """The scan box (the template renders the inputs: large, autofocus, Enter submits)."""

    point = forms.IntegerField(widget=forms.HiddenInput)
    barcode = forms.CharField(
        label=gettext_lazy("试管条码"),
        max_length=MAX_BARCODE,
        validators=[validate_barcode],
        error_messages={"required": gettext_lazy("请扫描或输入试管条码")},
    )
    pooling_mode = forms.ChoiceField(label=gettext_lazy("采样方式"), required=False, choices=[("", "")] + list(PoolingMode.choices))


class IdListField(forms.Field):
    """Many ids posted under one name (checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return [int(v) for v in value]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(_("人员编号无效")) from exc


class AddMemberForm(forms.Form):
    """One person by full ID number, or the household members ticked on the page."""

    id_number = forms.CharField(label=gettext_lazy("证件号码"), max_length=32, required=False)
    # The household members ticked on the page; sampling_desk.people_to_add checks them against the
    # user's jurisdiction.
    person = IdListField(required=False)
    household_of = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"]
        return clean_id_input(value) if value.strip() else ""


class OnSpotForm(forms.Form):
    """现场登记: a person the registry does not hold, registered at the sampling point and sampled."""

    name = forms.CharField(label=gettext_lazy("姓名"), max_length=64, error_messages={"required": gettext_lazy("请填写姓名")})
    id_type = forms.ChoiceField(label=gettext_lazy("证件类型"), choices=IdType.choices, initial=IdType.RESIDENT_ID)
    id_number = forms.CharField(label=gettext_lazy("证件号码"), max_length=32, error_messages={"required": gettext_lazy("请输入证件号码")})
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=20, required=False)
    grid = forms.TypedChoiceField(label=gettext_lazy("现住网格"), coerce=int, empty_value=None, required=False)
    address = forms.CharField(label=gettext_lazy("现住址"), max_length=200, required=False)

    def __init__(self, *args: Any, grids: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grids = {g.pk: g for g in grids}
        self.fields["grid"].choices = [("", _("请选择")), *((g.pk, f"{g.community.name} › {g.name}") for g in self.grids.values())]
        self.fields["grid"].error_messages["invalid_choice"] = _("所选网格不在本轮检测范围内，或不在您的管辖范围内")

    def clean_id_number(self) -> str:
        return clean_id_input(self.cleaned_data["id_number"])


def _home_url(testing_round: TestingRound, point: SamplingPoint | int | None, **extra: str) -> str:
    params = {"point": getattr(point, "pk", point)} if point else {}
    params.update(extra)
    url = reverse("testing:sampling", args=[testing_round.pk])
    return f"{url}?{urlencode(params)}" if params else url


def _home_context(request: HttpRequest, testing_round: TestingRound, point: SamplingPoint | None, form: TubeOpenForm) -> dict[str, Any]:
    user = request.user
    context: dict[str, Any] = {
        "round": testing_round,
        "round_closed": testing_round.status == RoundStatus.CLOSED,
        "points": sampling_desk.round_points(user=user, testing_round=testing_round).select_related("grid"),
        "point": point,
        "form": form,
        "just_closed": request.GET.get("closed", ""),
        "can_add_point": user_can(user, TestingCap.POINTS),
    }
    if point is not None:
        context |= {
            "pooling": sampling_desk.point_pooling(testing_round=testing_round, point=point),
            "my_tubes": sampling_desk.my_open_tubes(user=user, testing_round=testing_round, point=point),
            "open_count": sampling_desk.open_tube_count(user=user, testing_round=testing_round, point=point),
        }
    return context


@sampling_required
@require_GET
def sampling_home(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the sampling point, then scan a tube barcode (Enter opens the tube)."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    point = None
    if request.GET.get("point"):
        point = sampling_desk.point_get(user=request.user, testing_round=testing_round, pk=request.GET["point"])
    else:
        remembered = request.session.get(_session_key(testing_round))
        points = sampling_desk.round_points(user=request.user, testing_round=testing_round)
        point = points.filter(pk=remembered).first() if remembered else None
        if point is None and points.count() == 1:
            point = points.first()
    if point is not None:
        request.session[_session_key(testing_round)] = point.pk
    form = TubeOpenForm(initial={"point": point.pk if point else None})
    return render_page(request, HOME_TEMPLATE, _home_context(request, testing_round, point, form))


@sampling_required
@require_POST
def tube_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the scanned tube at the point (or carry on with it if it is already open there)."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    form = TubeOpenForm(request.POST)
    point = None
    if form.is_valid():
        point = sampling_desk.point_get(user=request.user, testing_round=testing_round, pk=form.cleaned_data["point"])
        barcode = form.cleaned_data["barcode"].strip()
        tube = sampling_desk.open_tube_at(user=request.user, testing_round=testing_round, point=point, barcode=barcode)
        if tube is not None:
            messages.info(request, _("试管 %(b)s 尚未封管，继续采样") % {"b": tube.barcode})
            return redirect("testing:tube_detail", pk=testing_round.pk, barcode=tube.barcode)
        try:
            tube = services.tube_open(
                actor=request.user,
                testing_round=testing_round,
                sampling_point=point,
                barcode=barcode,
                pooling_mode=form.cleaned_data["pooling_mode"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in ("barcode", "pooling_mode") else None, exc.message)
        else:
            request.session[_session_key(testing_round)] = point.pk
            return redirect("testing:tube_detail", pk=testing_round.pk, barcode=tube.barcode)
    elif form.cleaned_data.get("point"):
        point = sampling_desk.point_get(user=request.user, testing_round=testing_round, pk=form.cleaned_data["point"])
    return render_page(request, HOME_TEMPLATE, _home_context(request, testing_round, point, form))


def _tube_context(
    request: HttpRequest,
    testing_round: TestingRound,
    tube: Tube,
    *,
    form: AddMemberForm | None = None,
    anchor: int | str | None = None,
    selected: list[int] | None = None,
    added: str = "",
    on_spot: OnSpotForm | None = None,
) -> dict[str, Any]:
    members = sampling_desk.tube_member_rows(tube=tube)
    return {
        "round": testing_round,
        "tube": tube,
        "members": members,
        "percent": int(tube.member_count * 100 / tube.capacity) if tube.capacity else 0,
        "free": max(tube.capacity - tube.member_count, 0),
        "is_open": tube.status == TubeStatus.OPEN,
        "form": form or AddMemberForm(),
        "offer": sampling_desk.household_offer(user=request.user, tube=tube, anchor_id=anchor, selected=selected),
        "added": added,
        "home_url": _home_url(testing_round, tube.sampling_point_id),
        "on_spot": on_spot,
    }


@sampling_required
@require_GET
def tube_detail(request: HttpRequest, pk: int, barcode: str) -> HttpResponse:
    testing_round = selectors.round_get(user=request.user, pk=pk)
    tube = sampling_desk.sampler_tube_get(user=request.user, testing_round=testing_round, barcode=barcode)
    context = _tube_context(request, testing_round, tube, anchor=request.GET.get("household_of"))
    return render_page(request, TUBE_TEMPLATE, context, partial="workspace")


@sampling_required
@require_POST
def tube_add_member(request: HttpRequest, pk: int, barcode: str) -> HttpResponse:
    """Add one person by full ID number, or the household members ticked on the page."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    tube = sampling_desk.sampler_tube_get(user=request.user, testing_round=testing_round, barcode=barcode)
    form = AddMemberForm(request.POST)
    anchor: int | None = None
    picked: list[int] | None = None
    added = ""
    on_spot = None
    if form.is_valid():
        number = form.cleaned_data["id_number"].strip()
        picked = form.cleaned_data["person"]
        anchor = form.cleaned_data["household_of"]
        if picked:
            people, refused = sampling_desk.people_to_add(user=request.user, person_ids=picked)
            if refused:
                form.add_error("person", _("所选人员不存在或不在您的管辖范围内"))
            elif _add(form, "person", lambda: services.tube_add_members(actor=request.user, tube=tube, persons=people)) is None:
                added = "、".join(p.name for p in people)
        elif number:
            refused = _add(form, "id_number", lambda: services.tube_add_members(actor=request.user, tube=tube, id_numbers=[number]))
            if refused is None:
                anchor = sampling_desk.member_by_id_number(tube=tube, id_number=number)
                added = next((m.name for m in sampling_desk.tube_member_rows(tube=tube) if m.person_id == anchor), "")
            elif any(e.rule == services.NOT_REGISTERED for e in refused):
                on_spot = _on_spot_form(request, testing_round, initial={"id_number": number})
        else:
            form.add_error("id_number", _("请扫描或输入证件号码"))
    tube.refresh_from_db()
    if form.is_valid() and added:
        if tube.status != TubeStatus.OPEN:
            messages.success(
                request,
                _("已加入 %(names)s。试管 %(b)s 已满 %(n)s 人，已自动封管。请扫描下一支试管。")
                % {"names": added, "b": tube.barcode, "n": tube.member_count},
            )
            url = _home_url(testing_round, tube.sampling_point_id, closed=tube.barcode)
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if not request.htmx:
            messages.success(request, _("已加入 %(names)s") % {"names": added})
            url = reverse("testing:tube_detail", args=[testing_round.pk, tube.barcode])
            return redirect(f"{url}?{urlencode({'household_of': anchor})}" if anchor else url)
        context = _tube_context(request, testing_round, tube, anchor=anchor, added=added)
    else:
        context = _tube_context(request, testing_round, tube, form=form, anchor=anchor, selected=picked or None, on_spot=on_spot)
    return render_page(request, TUBE_TEMPLATE, context, partial="workspace")


def _add(form: AddMemberForm, field: str, call: Callable[[], object]) -> list[services.RowError] | None:
    """Run the service; put each refusal next to `field` (the service names who, which tube, where).
    None when it went through, else the refusals."""
    try:
        call()
    except services.RowsRefused as exc:
        for e in exc.errors:
            form.add_error(field, e.message)
        return exc.errors
    except DomainError as exc:
        form.add_error(field, exc.message)
        return [services.RowError(0, field, exc.message, exc.rule)]
    return None


def _on_spot_form(request: HttpRequest, testing_round: TestingRound, data: Any = None, initial: dict | None = None) -> OnSpotForm:
    grids = sampling_desk.on_spot_grids(user=request.user, testing_round=testing_round)
    return OnSpotForm(data, initial=initial, grids=grids, prefix="spot")


@sampling_required
@require_POST
def tube_register_person(request: HttpRequest, pk: int, barcode: str) -> HttpResponse:
    """现场登记: register someone the registry does not hold (name, ID, phone, where they live within the
    round's scope), then sample them into this tube."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    tube = sampling_desk.sampler_tube_get(user=request.user, testing_round=testing_round, barcode=barcode)
    on_spot = _on_spot_form(request, testing_round, data=request.POST)
    if on_spot.is_valid():
        d = on_spot.cleaned_data
        try:
            person = services.person_register_on_spot(
                actor=request.user,
                tube=tube,
                name=d["name"],
                id_type=d["id_type"],
                id_number=d["id_number"],
                phone=d["phone"],
                grid=on_spot.grids.get(d["grid"]) if d["grid"] else None,
                address=d["address"],
            )
        except services.RowsRefused as exc:
            for e in exc.errors:
                on_spot.add_error(None, e.message)
        except DomainError as exc:
            on_spot.add_error(exc.field if exc.field in on_spot.fields else None, exc.message)
        else:
            tube.refresh_from_db()
            messages.success(request, _("已现场登记并加入 %(name)s") % {"name": person.name})
            if tube.status != TubeStatus.OPEN:
                url = _home_url(testing_round, tube.sampling_point_id, closed=tube.barcode)
            else:
                url = reverse("testing:tube_detail", args=[testing_round.pk, tube.barcode])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _tube_context(request, testing_round, tube, on_spot=on_spot)
    return render_page(request, TUBE_TEMPLATE, context, partial="workspace")


@sampling_required
@require_POST
def tube_close(request: HttpRequest, pk: int, barcode: str) -> HttpResponse:
    """Close a partly filled tube by hand; back to scanning the next barcode."""
    testing_round = selectors.round_get(user=request.user, pk=pk)
    tube = sampling_desk.sampler_tube_get(user=request.user, testing_round=testing_round, barcode=barcode)
    try:
        tube = services.tube_close(actor=request.user, tube=tube)
    except DomainError as exc:
        messages.error(request, exc.message)
        url = reverse("testing:tube_detail", args=[testing_round.pk, tube.barcode])
    else:
        messages.success(request, _("试管 %(b)s 已封管（%(n)s 人）。请扫描下一支试管。") % {"b": tube.barcode, "n": tube.member_count})
        url = _home_url(testing_round, tube.sampling_point_id, closed=tube.barcode)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


extra_urlpatterns: list = []
