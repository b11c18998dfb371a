"""快隔 pages of the isolation loop up to release: the 日清日结 board (everyone not yet in a room, the
overdue first), the list of episodes, registering one by hand, one person's page with every action
of their stage (transfer, check-in, room change, test results, release, cancellation), and the
site's printable sampling sheet of a day with result entry.

Views only parse, call selectors and services, and render. An episode, test or site outside the
user's jurisdiction answers 404; an action the role may not take answers 403. With htmx an action
swaps the person's page (or the sheet row) in place, a refusal next to its field; without
JavaScript the same forms POST and redirect.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.audit.exports import export_xlsx, print_list
from fangkong.core.actions import refuse, refused_on
from fangkong.core.errors import DomainError
from fangkong.core.exports import describe_filters, wants_print, wants_xlsx
from fangkong.core.htmx import render_page
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can
from fangkong.core.rows import RowsRefused
from fangkong.geo.lookup import person_by_id_number
from fangkong.geo.services import SearchLimited
from fangkong.policy.regimen import local_date
from fangkong.policy.selectors import profile_name
from fangkong.results.choices import Result

from .. import selectors, services
from ..api.bulk import parse_check_ins_request
from ..choices import EPISODE_AWAITING, EpisodeKind, EpisodeStatus, HandoverStatus, TestPhase
from ..forms import (
    EPISODE_STATUS_FILTERS,
    ActionForm,
    BatchCheckInForm,
    CancelForm,
    CheckInForm,
    EpisodeOpenForm,
    HandoverConfirmForm,
    HomeCheckForm,
    MoveForm,
    ReleaseForm,
    TestResultForm,
    TransitForm,
)
from ..models import IsolationEpisode, RoomStay, ScheduledTest
from ..permissions import IsolationCap, people_details
from .common import htmx, int_param, today
from .exports import awaiting_columns, episode_columns

DETAIL = "isolation/episodes/episode_detail.html"
FINAL = (Result.NEGATIVE, Result.POSITIVE)


# ---- the 日清日结 board and the list ----


def _board_context(request: HttpRequest, *, form: BatchCheckInForm | None = None) -> dict[str, Any]:
    now = timezone.now()
    board = selectors.awaiting_isolation_board(user=request.user, now=now)
    page = paginate(request, board, per_page=50)
    can_manage = user_can(request.user, IsolationCap.MANAGE)
    sites = selectors.site_list(user=request.user).filter(is_active=True).order_by("name")
    return {
        "page_obj": page,
        "now": now,
        "overdue": board.filter(is_overdue=True).count(),
        "can_manage": can_manage,
        "batch_form": form or (BatchCheckInForm(sites=sites) if can_manage else None),
    }


@people_details
def awaiting_board(request: HttpRequest) -> HttpResponse:
    """日清日结: identified and not yet in a room, the overdue first, then by deadline."""
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="isolation.awaiting_board",
            title=_("待隔离人员"),
            columns=awaiting_columns(),
            rows=selectors.awaiting_isolation_board(user=request.user),
            filters=describe_filters(request.GET),
            filename="awaiting-isolation",
        )
    return render_page(request, "isolation/episodes/awaiting_board.html", _board_context(request), partial="board")


@people_details
@require_POST
def awaiting_check_in(request: HttpRequest) -> HttpResponse:
    """入住所选: the people ticked on the board, each to the room number typed on their row, at one site
    (services.episodes_check_in_bulk: all or nothing, every row at fault named on its row)."""
    require_page(request.user, IsolationCap.MANAGE)
    sites = selectors.site_list(user=request.user).filter(is_active=True).order_by("name")
    form = BatchCheckInForm(request.POST, sites=sites)
    chosen = [int(v) for v in request.POST.getlist("episode") if v.isdigit()]
    rooms = {pk: request.POST.get(f"room_{pk}", "").strip() for pk in chosen}
    row_errors: dict[int, tuple[str, str]] = {}  # episode → (message, rule: shown as data-rule, never raw)
    if form.is_valid() and not chosen:
        form.add_error(None, _("请勾选要入住的人员"))
    elif form.is_valid():
        missing = [pk for pk in chosen if not rooms[pk]]
        for pk in missing:
            row_errors[pk] = (_("请填写房间号"), "")
        if not missing:
            rows = [{"episode": pk, "room_number": rooms[pk]} for pk in chosen]
            try:
                parsed = parse_check_ins_request(rows, site_id=form.cleaned_data["site"].pk)
                report = services.episodes_check_in_bulk(
                    actor=request.user, assignments=parsed.rows, at=form.cleaned_data.get("at") or None
                )
            except RowsRefused as exc:
                for e in exc.errors:
                    pk = chosen[e.row - 1] if 0 < e.row <= len(chosen) else None
                    if pk is None:
                        form.add_error(None, e.message)
                    else:
                        row_errors[pk] = (e.message, e.rule)
            except DomainError as exc:
                refuse(form, exc)
            else:
                messages.success(
                    request,
                    _("已入住 %(n)s 人，排定检测 %(t)s 次") % {"n": report.checked_in, "t": report.tests_scheduled},
                )
                return redirect(reverse("isolation:awaiting_board"))
    context = _board_context(request, form=form)
    context["page_obj"].object_list = list(context["page_obj"].object_list)
    for e in context["page_obj"].object_list:
        e.chosen = e.pk in chosen
        e.room_typed = rooms.get(e.pk, "")
        e.row_error, e.row_rule = row_errors.get(e.pk, ("", ""))
    return render(request, "isolation/episodes/awaiting_board.html", context)


@people_details
def episode_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    site_id = int_param(request, "site")
    filters = {
        "status": status if status in EpisodeStatus.values else "",
        "kind": kind if kind in EpisodeKind.values else "",
        "site_id": site_id,
    }
    episodes = selectors.episode_list(user=request.user, filters=filters)
    if wants_xlsx(request):
        return export_xlsx(
            request,
            list_name="isolation.episode_list",
            title=_("隔离人员"),
            columns=episode_columns(),
            rows=episodes,
            filters=describe_filters(filters),
            filename="isolation-roster",
        )
    sites = selectors.site_list(user=request.user, active_only=False)
    if wants_print(request):
        site = sites.filter(pk=site_id).first() if site_id else None
        labels = [site.name if site else "", dict(EpisodeStatus.choices).get(status, ""), dict(EpisodeKind.choices).get(kind, "")]
        return print_list(
            request,
            list_name="isolation.episode_list",
            title=_("隔离人员名单"),
            subtitle=" · ".join(str(label) for label in labels if label),
            columns=episode_columns(),
            rows=episodes,
            filters=describe_filters(filters),
        )
    context = {
        "page_obj": paginate(request, episodes),
        "filters": filters,
        "status_choices": EPISODE_STATUS_FILTERS,
        "kind_choices": EpisodeKind.choices,
        "sites": sites,
        "can_manage": user_can(request.user, IsolationCap.MANAGE),
    }
    return render_page(request, "isolation/episodes/episode_list.html", context, partial="episodes")


@people_details
@require_http_methods(["GET", "POST"])
def episode_create(request: HttpRequest) -> HttpResponse:
    """Register a person to be isolated by hand (a close contact reported by phone, a walk-in …)."""
    require_page(request.user, IsolationCap.MANAGE)
    status = 200
    if request.method == "POST":
        form = EpisodeOpenForm(request.POST)
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:  # a look-up by full number is counted and audited like any search (geo.lookup)
                person = person_by_id_number(data["id_number"], user=request.user, where="isolation.episode_create")
            except SearchLimited as exc:
                form.add_error("id_number", exc.message)
                return render(request, "isolation/episodes/episode_form.html", {"form": form}, status=429)
            if person is None:
                form.add_error("id_number", _("未找到该证件号码的登记人员，或该人员不在您的管辖范围内"))
            else:
                with refused_on(form, fields={"kind": "kind", "at": "identified_at"}):
                    episode = services.episode_open(
                        actor=request.user, person=person, kind=data["kind"], identified_at=data["identified_at"], source=data["source"]
                    )
                    messages.success(
                        request, _("已登记 %(name)s，应在 %(by)s 前完成隔离") % {"name": person.name, "by": _deadline(episode)}
                    )
                    return redirect("isolation:episode_detail", pk=episode.pk)
    else:
        form = EpisodeOpenForm()
    return render(request, "isolation/episodes/episode_form.html", {"form": form}, status=status)


def _deadline(episode: IsolationEpisode) -> str:
    return timezone.localtime(episode.isolate_by).strftime("%Y-%m-%d %H:%M") if episode.isolate_by else "—"


# ---- one person's page ----


def regimen_day_today(tests: list[ScheduledTest], now: dt.datetime) -> int | None:
    """Which day of the central period today is, read off the scheduled central tests (day 1 is the
    policy's, fixed at check-in)."""
    for t in tests:
        if t.phase == TestPhase.CENTRAL:
            day_one = t.due_date - dt.timedelta(days=t.day_number - 1)
            return (local_date(now) - day_one).days + 1
    return None


def _room_groups(request: HttpRequest, episode: IsolationEpisode, *, exclude_room_id: int | None = None) -> list[tuple[str, list]]:
    """Rooms the person may be put in: at the site they were sent to, or at any active site in scope."""
    sites = [episode.site] if episode.site_id else list(selectors.site_list(user=request.user))
    return [
        (s.name, selectors.assignable_rooms(user=request.user, site=s, party=episode.party, exclude_room_id=exclude_room_id))
        for s in sites
        if s.is_active
    ]


def _test_form(test: ScheduledTest, episode: IsolationEpisode, *, can_manage: bool, can_handover: bool) -> TestResultForm | None:
    """A result form for a test that may be recorded now by this user (its day has come, no final result)."""
    if test.result in FINAL or test.due_date > today():
        return None
    if test.phase == TestPhase.CENTRAL and can_manage and episode.status == EpisodeStatus.CHECKED_IN:
        return TestResultForm(prefix=f"t{test.pk}")
    if test.phase == TestPhase.HOME and can_handover and episode.status in (EpisodeStatus.HANDED_OVER, EpisodeStatus.HOME_ISOLATION):
        return TestResultForm(prefix=f"t{test.pk}")
    return None


def episode_context(
    request: HttpRequest, episode: IsolationEpisode, *, bound: dict[str, Any] | None = None, flash: str = ""
) -> dict[str, Any]:
    """Everything the person's page shows, with the forms of the actions this user may take now."""
    user = request.user
    bound = bound or {}
    episode = selectors.episode_get(user=user, pk=episode.pk)
    can_manage = user_can(user, IsolationCap.MANAGE)
    can_handover = user_can(user, IsolationCap.HANDOVER)
    tests = list(ScheduledTest.objects.filter(episode=episode).select_related("recorded_by").order_by("phase", "day_number"))
    for t in tests:
        t.form = bound.get(f"test-{t.pk}") or _test_form(t, episode, can_manage=can_manage, can_handover=can_handover)
    stays = list(RoomStay.objects.filter(episode=episode).select_related("room__site").order_by("started_at"))
    current = next((s for s in stays if s.ended_at is None), None)
    handovers = list(episode.handovers.select_related("from_site", "to_community", "confirmed_by").order_by("created_at"))
    pending = next((h for h in handovers if h.status == HandoverStatus.PENDING), None)
    status = episode.status
    forms: dict[str, Any] = {}
    if can_manage and status in EPISODE_AWAITING:
        if status == EpisodeStatus.AWAITING_TRANSFER:
            forms["transit"] = TransitForm(sites=selectors.site_list(user=user))
        forms["check_in"] = CheckInForm(rooms=_room_groups(request, episode))
    if can_manage and status == EpisodeStatus.CHECKED_IN:
        forms["move"] = MoveForm(rooms=_room_groups(request, episode, exclude_room_id=current.room_id if current else None))
        forms["release"] = ReleaseForm()
    if can_manage and status in (*EPISODE_AWAITING, EpisodeStatus.CHECKED_IN):
        forms["cancel"] = CancelForm()
    if pending is not None and ((pending.to_community_id and can_handover) or (not pending.to_community_id and can_manage)):
        forms["handover"] = HandoverConfirmForm(prefix=f"h{pending.pk}", initial={"receiver_name": getattr(user, "full_name", "")})
    if can_handover and status == EpisodeStatus.HANDED_OVER:
        forms["home_start"] = ActionForm()
    checks = list(episode.home_checks.select_related("checked_by").order_by("date"))
    if can_handover and status == EpisodeStatus.HOME_ISOLATION:
        if not any(c.date == today() for c in checks):
            forms["home_check"] = HomeCheckForm()
        forms["complete"] = ActionForm()
    for key, form in bound.items():
        if not key.startswith("test-"):
            forms[key] = form
    now = timezone.now()
    return {
        "episode": episode,
        "policy_name": profile_name(episode.policy_profile) if episode.policy_profile else "",
        "person": episode.person,
        "tests": tests,
        "central_tests": [t for t in tests if t.phase == TestPhase.CENTRAL],
        "home_tests": [t for t in tests if t.phase == TestPhase.HOME],
        "stays": stays,
        "current_stay": current,
        "release": getattr(episode, "release_order", None) if episode.released_at else None,
        "handovers": handovers,
        "pending_handover": pending,
        "home_checks": checks,
        "missing_checks": services.missing_home_check_days(episode) if status == EpisodeStatus.HOME_ISOLATION else [],
        "arrival": getattr(episode, "arrival", None) if episode.kind == EpisodeKind.INBOUND else None,
        "day_today": regimen_day_today(tests, now) if status == EpisodeStatus.CHECKED_IN else None,
        "overdue": status in EPISODE_AWAITING and episode.isolate_by is not None and episode.isolate_by < now,
        "forms": forms,
        "flash": flash,
        "now": now,
        "today": today(),
        "can_manage": can_manage,
        "can_handover": can_handover,
    }


@people_details
def episode_detail(request: HttpRequest, pk: int) -> HttpResponse:
    episode = selectors.episode_get(user=request.user, pk=pk)
    return render(request, DETAIL, episode_context(request, episode))


def episode_answer(request: HttpRequest, episode: IsolationEpisode, *, ok: str = "", bound: dict[str, Any] | None = None) -> HttpResponse:
    """After an action on the person's page: htmx gets the page body back (the refusal next to its
    field, 422); a plain POST is redirected (done) or gets the page again with the refusal (422)."""
    if bound:
        context = episode_context(request, episode, bound=bound)
        template = f"{DETAIL}#episode" if htmx(request) else DETAIL
        return render(request, template, context, status=422)
    if not htmx(request):
        messages.success(request, ok)
        return redirect("isolation:episode_detail", pk=episode.pk)
    return render(request, f"{DETAIL}#episode", episode_context(request, episode, flash=ok))


def _act(request: HttpRequest, episode: IsolationEpisode, key: str, form: Any, action: Any, ok: Any, fields: dict | None = None):
    """Validate `form`, run `action(cleaned_data)` (a service call) and answer; a refusal goes on the form."""
    if form.is_valid():
        with refused_on(form, fields=fields):
            result = action(form.cleaned_data)
            return episode_answer(request, episode, ok=ok(result) if callable(ok) else ok)
    return episode_answer(request, episode, bound={key: form})


@people_details
@require_POST
def episode_transit(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    episode = selectors.episode_get(user=request.user, pk=pk)
    form = TransitForm(request.POST, sites=selectors.site_list(user=request.user))
    return _act(
        request,
        episode,
        "transit",
        form,
        lambda d: services.episode_transit(actor=request.user, episode=episode, site=d["site"]),
        lambda e: _("已安排转运至 %(site)s") % {"site": e.site.name},
    )


@people_details
@require_POST
def episode_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    episode = selectors.episode_get(user=request.user, pk=pk)
    form = CheckInForm(request.POST, rooms=_room_groups(request, episode))
    return _act(
        request,
        episode,
        "check_in",
        form,
        lambda d: services.episode_check_in(actor=request.user, episode=episode, room=d["room"], at=d["at"]),
        lambda e: _("已入住，集中隔离至 %(until)s") % {"until": timezone.localtime(e.central_until).strftime("%m-%d %H:%M")}
        if e.central_until
        else _("已入住"),
        fields={"at": "at"},
    )


@people_details
@require_POST
def episode_move(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    episode = selectors.episode_get(user=request.user, pk=pk)
    current = RoomStay.objects.filter(episode=episode, ended_at__isnull=True).first()
    form = MoveForm(request.POST, rooms=_room_groups(request, episode, exclude_room_id=current.room_id if current else None))
    return _act(
        request,
        episode,
        "move",
        form,
        lambda d: services.room_assign(actor=request.user, episode=episode, room=d["room"]),
        lambda stay: _("已调换至 %(room)s 房间") % {"room": stay.room.number},
    )


@people_details
@require_POST
def episode_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request.user, IsolationCap.MANAGE)
    episode = selectors.episode_get(user=request.user, pk=pk)
    return _act(
        request,
        episode,
        "cancel",
        CancelForm(request.POST),
        lambda d: services.episode_cancel(actor=request.user, episode=episode, reason=d["reason"]),
        _("已撤销该隔离记录"),
    )


@people_details
@require_POST
def episode_release(request: HttpRequest, pk: int) -> HttpResponse:
    """解除集中隔离: the service checks the period and every central test; a pending handover follows."""
    require_page(request.user, IsolationCap.MANAGE)
    episode = selectors.episode_get(user=request.user, pk=pk)
    return _act(
        request,
        episode,
        "release",
        ReleaseForm(request.POST),
        lambda d: services.release_order(actor=request.user, episode=episode, **d),
        _("已签发解除集中隔离通知，等待接收方确认交接（交接前仍由隔离点负责）"),
        fields={"at": "to_locality"},
    )
