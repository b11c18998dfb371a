"""快隔 test results: one scheduled test's result, entered on the person's page, the home list or the
day sheet (每日采样单: whom to sample at the site on a day, by room, with the make-up samples)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.actions import refused_on
from fangkong.core.permissions import require_page, user_can

from .. import selectors, services
from ..choices import EpisodeStatus, TestPhase
from ..forms import TEST_FIELDS, TestResultForm, parse_day
from ..models import RoomStay, ScheduledTest
from ..permissions import IsolationCap, people_details
from .common import htmx, today
from .episodes import FINAL, episode_answer
from .handover import home_answer

# ---- test results (central: the site; home: the community) ----


@people_details
@require_POST
def test_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one scheduled test's result. A positive ends the episode and hands the person to 快转.
    `return_to` (sheet | home | episode) says which page the form was on."""
    test = selectors.test_get(user=request.user, pk=pk)
    central = test.phase == TestPhase.CENTRAL
    require_page(request.user, IsolationCap.MANAGE if central else IsolationCap.HANDOVER)
    form = TestResultForm(request.POST, prefix=f"t{test.pk}")
    saved = None
    if form.is_valid():
        record = services.test_record if central else services.home_test_record
        with refused_on(form, fields=TEST_FIELDS):
            saved = record(actor=request.user, test=test, **form.cleaned_data)
    ok = ""
    if saved is not None:
        ok = _("%(name)s 第 %(n)s 天检测：%(r)s") % {
            "name": test.episode.person.name,
            "n": test.day_number,
            "r": saved.get_result_display(),
        }
        if saved.episode.status == EpisodeStatus.TURNED_POSITIVE:
            ok += _("。已结束隔离，转快转（病例登记与当日转运）")
    return_to = request.POST.get("return_to", "episode")
    if return_to == "sheet":
        return _sheet_answer(request, test, form if saved is None else None, ok)
    if return_to == "home":
        return home_answer(request, test.episode, ok=ok, bound=None if saved is not None else {f"test-{test.pk}": form})
    return episode_answer(request, test.episode, ok=ok, bound=None if saved is not None else {f"test-{test.pk}": form})


# ---- the day sheet (每日采样单) ----


def _sheet_rows(request: HttpRequest, site: Any, day: dt.date, *, bound: TestResultForm | None = None, bound_pk: int | None = None):
    can_manage = user_can(request.user, IsolationCap.MANAGE)
    rows = selectors.site_day_sheet(user=request.user, site=site, day=day)
    for r in rows:
        r.form = None
        if r.test.pk == bound_pk:
            r.form = bound
        elif can_manage and r.test.result not in FINAL and r.test.due_date <= today() and day <= today():
            r.form = TestResultForm(prefix=f"t{r.test.pk}")
    return rows


@people_details
def day_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """每日采样单: whom to sample at the site on a day (default today), by room, with the make-up
    samples (补采) of earlier days still without a valid result; printable; results entered in place."""
    site = selectors.site_get(user=request.user, pk=pk)
    day = parse_day(request.GET.get("day"), today())
    return render(request, "isolation/episodes/day_sheet.html", _sheet_context(request, site, day))


def _sheet_context(request: HttpRequest, site: Any, day: dt.date, **bound: Any) -> dict[str, Any]:
    rows = _sheet_rows(request, site, day, **bound)
    return {
        "site": site,
        "day": day,
        "rows": rows,
        "make_up": sum(1 for r in rows if r.is_make_up),
        "done": sum(1 for r in rows if r.test.result in FINAL),
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "is_today": day == today(),
    }


def _sheet_answer(request: HttpRequest, test: ScheduledTest, bound: TestResultForm | None, ok: str) -> HttpResponse:
    site = test.episode.site
    day = parse_day(request.POST.get("day"), today())
    sheet_url = f"{reverse('isolation:day_sheet', args=[site.pk])}?day={day.isoformat()}"
    if not htmx(request):
        if bound is None:
            messages.success(request, ok)
            return redirect(f"{sheet_url}#test-{test.pk}")
        context = _sheet_context(request, site, day, bound=bound, bound_pk=test.pk)
        return render(request, "isolation/episodes/day_sheet.html", context, status=422)
    test = ScheduledTest.objects.select_related("episode__person").get(pk=test.pk)
    room = RoomStay.objects.filter(episode_id=test.episode_id).order_by("-started_at").values_list("room__number", flat=True).first()
    row = selectors.SheetRow(test, test.episode, room or "", test.due_date < day)
    row.form = bound
    context = {"row": row, "site": site, "day": day, "flash": ok}
    return render(request, "isolation/episodes/_sheet_row.html", context, status=422 if bound is not None else 200)
