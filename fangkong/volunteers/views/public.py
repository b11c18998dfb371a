"""Pages without a platform account. The application form (rate-limited per network, a hidden trap
field for scripts, the same answer whether or not the number is already registered — no oracle);
the volunteer's personal link, which puts them in the browser's session and redirects to a URL
without it; their own page (shifts, total hours, open needs to sign up for), the printable service
certificate, and the check-in page the point's QR code opens. No page here shows anyone else's
data, and no personal data is ever in a URL."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.ratelimit import public_limit
from fangkong.core.rows import RowsRefused

from ..choices import VolunteerStatus
from ..forms import ApplyForm
from ..models import Organisation, ServicePoint, Volunteer
from ..selectors import open_needs_for, service_record, shifts_at_point, volunteer_by_link
from ..services import Application, check_in, check_out, shift_sign_up, volunteer_apply
from ..services.shifts import span
from ..tokens import point_from_code

APPLY_LIMITS = ((5, 600), (30, 86400))  # applications per network block: 5 in 10 minutes, 30 a day
PAGE_LIMITS = ((120, 60), (2000, 3600))
SESSION_KEY = "volunteer_link"


def _limited(request: HttpRequest, what: str, windows: tuple[tuple[int, int], ...]) -> HttpResponse | None:
    return public_limit(request, f"volunteers:{what}", windows)


def _organisations() -> list[tuple[int, str]]:
    return list(Organisation.objects.order_by("name").values_list("pk", "name"))


@never_cache
def apply(request: HttpRequest) -> HttpResponse:
    """志愿者报名: the public form. Whatever happens to a well-formed application, the answer is the
    same thank-you page."""
    if request.method != "POST":
        limited = _limited(request, "page", PAGE_LIMITS)
        return limited or render(request, "volunteers/apply.html", {"form": ApplyForm(organisations=_organisations())})
    limited = _limited(request, "apply", getattr(settings, "FANGKONG_VOLUNTEER_APPLY_LIMITS", APPLY_LIMITS))
    if limited is not None:
        return limited
    form = ApplyForm(request.POST, organisations=_organisations())
    if form.is_valid():
        data = form.cleaned_data
        if data["website"]:  # the trap field: answered as a success, nothing written
            return redirect("volunteers:applied")
        app = Application(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            community_id=int(data["community"]) if data["community"] else None,
            skills=tuple(data["skills"]),
            availability=data["availability"],
            organisation_id=int(data["organisation"]) if data["organisation"] else None,
        )
        try:
            volunteer_apply(app)
        except RowsRefused as exc:
            form.refuse_rows(exc)
        else:
            return redirect("volunteers:applied")
    return render(request, "volunteers/apply.html", {"form": form}, status=422)


def applied(request: HttpRequest) -> HttpResponse:
    return render(request, "volunteers/applied.html")


# ---- the volunteer's own pages (known by their personal link) ----


def current_volunteer(request: HttpRequest) -> Volunteer | None:
    """The approved volunteer whose personal link opened this browser's session (None otherwise, or
    once the coordinator has issued a new link)."""
    held = request.session.get(SESSION_KEY)
    if not held:
        return None
    pk, nonce = held
    v = Volunteer.objects.filter(pk=pk, status=VolunteerStatus.APPROVED).first()
    return v if v is not None and v.link_nonce and v.link_nonce == nonce else None


@never_cache
def personal_link(request: HttpRequest, token: str) -> HttpResponse:
    v = volunteer_by_link(token)
    if v is None:
        raise Http404
    request.session.cycle_key()
    request.session[SESSION_KEY] = [v.pk, v.link_nonce]
    return redirect("volunteers:me")


def _me_or_ask(request: HttpRequest) -> Volunteer | HttpResponse:
    v = current_volunteer(request)
    if v is None:
        return render(request, "volunteers/no_link.html", status=403)
    return v


@never_cache
def me(request: HttpRequest) -> HttpResponse:
    v = _me_or_ask(request)
    if isinstance(v, HttpResponse):
        return v
    at = now()
    record = service_record(v)
    needs = [(n, span(n.starts_at, n.ends_at)) for n in open_needs_for(v, at=at)[:30]]
    shifts = [(s, span(s.starts_at, s.ends_at)) for s in record.shifts]
    return render(request, "volunteers/me.html", {"v": v, "record": record, "shifts": shifts, "needs": needs})


@require_POST
def me_sign_up(request: HttpRequest) -> HttpResponse:
    v = _me_or_ask(request)
    if isinstance(v, HttpResponse):
        return v
    raw = request.POST.get("need", "")
    need = get_object_or_404(open_needs_for(v, at=now()), pk=int(raw) if raw.isdigit() else 0)
    try:
        shift_sign_up(volunteer=v, need=need)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("报名成功：%(p)s %(s)s") % {"p": need.point.name, "s": span(need.starts_at, need.ends_at)})
    return redirect("volunteers:me")


@never_cache
def certificate(request: HttpRequest) -> HttpResponse:
    v = _me_or_ask(request)
    if isinstance(v, HttpResponse):
        return v
    record = service_record(v)
    context = {"v": v, "record": record, "title": _("志愿服务证明"), "printed_at": now(), "back": reverse("volunteers:me")}
    return render(request, "volunteers/certificate.html", context)


def leave(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("volunteers:apply")


@never_cache
def scan(request: HttpRequest, code: str) -> HttpResponse:
    """What the point's QR code opens: check in, or out, for the volunteer's shift at the point."""
    try:
        point = get_object_or_404(ServicePoint, pk=point_from_code(code), active=True)
    except DomainError as exc:
        return render(request, "volunteers/scan.html", {"error": exc.message}, status=400)
    v = _me_or_ask(request)
    if isinstance(v, HttpResponse):
        return v
    error, status = "", 200
    if request.method == "POST":
        action = check_out if request.POST.get("action") == "out" else check_in
        try:
            shift = action(volunteer=v, code=code)
        except DomainError as exc:
            error, status = exc.message, 422
        else:
            if shift.checked_out_at:
                messages.success(request, _("签退成功，本次服务 %(m)s 分钟") % {"m": shift.minutes})
            else:
                messages.success(request, _("签到成功"))
            return redirect(reverse("volunteers:scan", args=[code]))
    shifts = [(s, span(s.starts_at, s.ends_at)) for s in shifts_at_point(v, point.pk)]
    return render(request, "volunteers/scan.html", {"point": point, "v": v, "shifts": shifts, "error": error}, status=status)


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")
