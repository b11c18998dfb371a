"""快隔 pages of release and handover (手递手、点对点) and the home phase, for community workers on a
phone: the handovers waiting for them to confirm (until they do, the person is the site's
responsibility), and the home-isolation list with the daily check, the home tests and completion.

A community worker sees the handovers coming to their community and their residents at home; a
site sees its own handovers. Confirming needs Cap.ISOLATION_HANDOVER (to a community) or
Cap.ISOLATION_MANAGE (to another city, by the site); the services check the receiving community.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refuse, refused_on
from fangkong.core.errors import DomainError
from fangkong.core.pagination import paginate
from fangkong.core.permissions import require_page, user_can
from fangkong.geo.vitals import is_fever
from fangkong.policy.regimen import period_day_number
from fangkong.results.choices import Result

from .. import selectors, services
from ..choices import EpisodeStatus, TestPhase
from ..forms import ActionForm, HandoverConfirmForm, HomeCheckForm, TestResultForm
from ..models import Handover, IsolationEpisode, ScheduledTest
from ..permissions import IsolationCap, people_details
from .common import htmx, today
from .episodes import episode_answer

HANDOVERS = "isolation/handover/handover_list.html"
HOME = "isolation/handover/home_list.html"


# ---- pending handovers ----


def _confirm_form(request: HttpRequest, handover: Handover) -> HandoverConfirmForm | None:
    """The confirm form, for whoever may confirm this handover: the receiving side (to a community),
    or the site (to another city)."""
    cap = IsolationCap.HANDOVER if handover.to_community_id else IsolationCap.MANAGE
    if not user_can(request.user, cap):
        return None
    return HandoverConfirmForm(prefix=f"h{handover.pk}", initial={"receiver_name": getattr(request.user, "full_name", "")})


def _handover_context(request: HttpRequest, *, bound: HandoverConfirmForm | None = None, bound_pk: int | None = None) -> dict[str, Any]:
    handovers = selectors.pending_handovers(user=request.user).select_related("episode__community", "episode__grid")
    page = paginate(request, handovers)
    for h in page.object_list:
        h.form = bound if h.pk == bound_pk else _confirm_form(request, h)
    return {"page_obj": page, "now": timezone.now()}


@people_details
def handover_list(request: HttpRequest) -> HttpResponse:
    """待交接: released from central isolation, waiting for the receiver to confirm (oldest first)."""
    return render(request, HANDOVERS, _handover_context(request))


@people_details
@require_POST
def handover_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    handover = selectors.handover_get(user=request.user, pk=pk)
    require_page(request.user, IsolationCap.HANDOVER if handover.to_community_id else IsolationCap.MANAGE)
    form = HandoverConfirmForm(request.POST, prefix=f"h{handover.pk}")
    ok = ""
    if form.is_valid():
        with refused_on(form, fields={"at": "note"}):
            handover = services.handover_confirm(actor=request.user, handover=handover, **form.cleaned_data)
            ok = _("已确认接收 %(name)s，请点对点送其回家并开始居家隔离") % {"name": handover.episode.person.name}
            if handover.episode.status == EpisodeStatus.COMPLETED:
                ok = _("已确认交接 %(name)s：%(reason)s") % {"name": handover.episode.person.name, "reason": handover.episode.end_reason}
    if request.POST.get("return_to") == "episode":
        return episode_answer(request, handover.episode, ok=ok, bound=None if ok else {"handover": form})
    if not htmx(request):
        if ok:
            messages.success(request, ok)
            return redirect("isolation:handover_list")
        return render(request, HANDOVERS, _handover_context(request, bound=form, bound_pk=handover.pk), status=422)
    handover = Handover.objects.select_related("episode__person", "from_site", "to_community", "release_order").get(pk=handover.pk)
    handover.form = None if ok else form
    context = {"h": handover, "flash": ok, "now": timezone.now()}
    return render(request, "isolation/handover/_handover_card.html", context, status=200 if ok else 422)


# ---- home isolation ----


def _home_rows(request: HttpRequest, episodes: list[IsolationEpisode], *, bound: dict[str, Any] | None = None) -> None:
    """Each person at home with the forms for what is due: arrival home, today's check, home tests
    due and not yet resulted, completion once the home period is over."""
    bound = bound or {}
    can_handover = user_can(request.user, IsolationCap.HANDOVER)
    day = today()
    now = timezone.now()
    tests: dict[int, list[ScheduledTest]] = {}
    for t in ScheduledTest.objects.filter(episode__in=episodes, phase=TestPhase.HOME).order_by("day_number"):
        tests.setdefault(t.episode_id, []).append(t)
    for e in episodes:
        e.home_tests = tests.get(e.pk, [])
        e.home_day = period_day_number(e.home_until, e.home_days, day) if e.home_until and e.home_days else None
        e.period_over = e.home_until is not None and e.home_until <= now
        forms: dict[str, Any] = {}
        for t in e.home_tests:
            t.form = None
            if can_handover and t.result not in (Result.NEGATIVE, Result.POSITIVE) and t.due_date <= day:
                t.form = bound.get(f"test-{t.pk}") or TestResultForm(prefix=f"t{t.pk}")
        if can_handover and e.status == EpisodeStatus.HANDED_OVER:
            forms["home_start"] = bound.get("home_start") or ActionForm()
        if can_handover and e.status == EpisodeStatus.HOME_ISOLATION:
            if not e.checked_today:
                forms["home_check"] = bound.get("home_check") or HomeCheckForm(prefix=f"c{e.pk}")
            if e.period_over:
                forms["complete"] = bound.get("complete") or ActionForm()
        for key in ("home_start", "home_check", "complete"):
            if key in bound:  # a refusal is shown even where the action is no longer offered
                forms[key] = bound[key]
        e.forms = forms


def _home_context(request: HttpRequest, *, bound: dict[str, Any] | None = None, bound_pk: int | None = None) -> dict[str, Any]:
    show = request.GET.get("show", "")
    episodes = selectors.home_isolation_list(user=request.user)
    if show == "todo":
        episodes = episodes.filter(
            Q(checked_today=False, status=EpisodeStatus.HOME_ISOLATION) | Q(test_due=True) | Q(status=EpisodeStatus.HANDED_OVER)
        )
    page = paginate(request, episodes, per_page=30)
    rows = list(page.object_list)
    _home_rows(request, [e for e in rows if e.pk != bound_pk])
    _home_rows(request, [e for e in rows if e.pk == bound_pk], bound=bound)
    all_rows = selectors.home_isolation_list(user=request.user)
    return {
        "page_obj": page,
        "rows": rows,
        "show": show,
        "day": today(),
        "to_check": all_rows.filter(status=EpisodeStatus.HOME_ISOLATION, checked_today=False).count(),
        "tests_due": all_rows.filter(test_due=True).count(),
        "arriving": all_rows.filter(status=EpisodeStatus.HANDED_OVER).count(),
    }


@people_details
def home_list(request: HttpRequest) -> HttpResponse:
    """居家隔离: people handed over or at home, with today's check and the home tests due."""
    return render(request, HOME, _home_context(request))


def home_answer(request: HttpRequest, episode: IsolationEpisode, *, ok: str = "", bound: dict[str, Any] | None = None) -> HttpResponse:
    """After an action on the home list: htmx gets the person's card back; a plain POST is redirected
    (done) or gets the list again with the refusal next to its field (422)."""
    if not htmx(request):
        if not bound:
            messages.success(request, ok)
            return redirect(f"{reverse('isolation:home_list')}#ep-{episode.pk}")
        return render(request, HOME, _home_context(request, bound=bound, bound_pk=episode.pk), status=422)
    row = selectors.home_isolation_list(user=request.user).filter(pk=episode.pk).first()
    if row is not None:
        _home_rows(request, [row], bound=bound)
    else:  # completed, or turned positive: no longer at home
        row = selectors.episode_get(user=request.user, pk=episode.pk)
    context = {"e": row, "flash": ok, "gone": row.status not in (EpisodeStatus.HANDED_OVER, EpisodeStatus.HOME_ISOLATION)}
    return render(request, "isolation/handover/_home_card.html", context, status=422 if bound else 200)


def _answer(request: HttpRequest, episode: IsolationEpisode, ok: str, bound: dict[str, Any] | None) -> HttpResponse:
    if request.POST.get("return_to") == "episode":
        return episode_answer(request, episode, ok=ok, bound=bound)
    return home_answer(request, episode, ok=ok, bound=bound)


@people_details
@require_POST
def home_start(request: HttpRequest, pk: int) -> HttpResponse:
    """点对点到家: the community has taken the person home; home isolation begins."""
    require_page(request.user, IsolationCap.HANDOVER)
    episode = selectors.episode_get(user=request.user, pk=pk)
    form = ActionForm(request.POST)
    try:
        services.home_isolation_start(actor=request.user, episode=episode)
    except DomainError as exc:
        refuse(form, exc)
        return _answer(request, episode, "", {"home_start": form})
    return _answer(request, episode, _("%(name)s 已到家，开始居家隔离") % {"name": episode.person.name}, None)


@people_details
@require_POST
def home_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The daily check (one per day): at home, temperature, symptoms."""
    require_page(request.user, IsolationCap.HANDOVER)
    episode = selectors.episode_get(user=request.user, pk=pk)
    prefix = None if request.POST.get("return_to") == "episode" else f"c{episode.pk}"
    form = HomeCheckForm(request.POST, prefix=prefix)
    if form.is_valid():
        with refused_on(form):
            check = services.home_check_record(actor=request.user, episode=episode, **form.cleaned_data)
            ok = _("%(name)s 今日核查已登记") % {"name": episode.person.name}
            if check.symptoms or not check.at_home or (check.temperature is not None and is_fever(check.temperature)):
                ok += _("：有异常，请及时报告并安排核酸检测")
            return _answer(request, episode, ok, None)
    return _answer(request, episode, "", {"home_check": form})


@people_details
@require_POST
def episode_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """期满解除: the service checks the home period, every home test and every daily check."""
    require_page(request.user, IsolationCap.HANDOVER)
    episode = selectors.episode_get(user=request.user, pk=pk)
    form = ActionForm(request.POST)
    try:
        services.episode_complete(actor=request.user, episode=episode)
    except DomainError as exc:
        refuse(form, exc)
        return _answer(request, episode, "", {"complete": form})
    return _answer(request, episode, _("%(name)s 居家隔离期满，已解除") % {"name": episode.person.name}, None)
