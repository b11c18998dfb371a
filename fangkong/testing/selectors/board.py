"""快检's row of the 三快一严 board (fangkong.core.board): the rounds being sampled, their samples and
results against the result deadline, the overdue tubes (the deadline board's rule, querysets.overdue_q)
and the residents still missing (round_coverage). Every read is limited to what the user sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import DeadlineTrend, Figure, Item, Stat, per_drawing
from fangkong.core.scoping import CITY_WIDE
from fangkong.geo.models import Community

from ..choices import RoundStatus, TubeStatus
from ..models import TestingRound, Tube
from ..querysets import overdue_q
from .coverage import round_coverage
from .deadlines import STAGES, tube_stages
from .rounds import current_rounds

TUBE_PLACES = {"district": "district_id", "street": "street_id", "community": "community_id"}


def _current(user: Any) -> list:
    return list(current_rounds(user=user))


@per_drawing
def _samples(user: Any, now: dt.datetime) -> tuple[int, int]:
    """Samples taken and samples with results in the rounds being sampled."""
    taken = resulted = 0
    for r in _current(user):
        stages = tube_stages(user=user, testing_round=r, now=now)
        taken += stages.samples
        resulted += stages.resulted.samples
    return taken, resulted


def overdue_tubes(user: Any, now: dt.datetime) -> QuerySet[Tube]:
    """Tubes of the rounds being sampled past their result deadline without a result (one rule:
    querysets.overdue_q, as the deadline board), a scanned empty label excepted."""
    return (
        Tube.objects.visible_to(user)
        .filter(round__in=[r.pk for r in _current(user)])
        .filter(overdue_q(now))
        .exclude(status=TubeStatus.OPEN, member_count=0)
    )


def describe_tubes(tubes: Sequence[Tube], now: dt.datetime) -> list[Item]:
    rows = Tube.objects.filter(pk__in=[t.pk for t in tubes]).select_related("round", "laboratory", "sampling_point")
    by_pk = {t.pk: t for t in rows}
    out = []
    for t in (by_pk[x.pk] for x in tubes if x.pk in by_pk):
        unit = t.laboratory.name if t.laboratory_id else t.sampling_point.name
        out.append(
            Item(
                pk=t.pk,
                title=_("第%(n)s轮 试管 %(barcode)s") % {"n": t.round.number, "barcode": t.barcode},
                url=reverse("testing:tube_detail", args=[t.round_id, t.barcode]),
                deadline=t.deadline_at,
                places={"district": t.district_id, "street": t.street_id, "community": t.community_id},
                unit=unit,
                detail=_("%(status)s · %(n)s 人份") % {"status": t.get_status_display(), "n": t.member_count},
            )
        )
    return out


def _missing(user: Any, now: dt.datetime) -> int:
    return sum(round_coverage(user=user, testing_round=r)[0].missing for r in _current(user))


@per_drawing
def _sample_parts(user: Any, now: dt.datetime) -> list[tuple]:
    """The city's samples and samples with results by the tubes' places (tube_stages' sums, grouped)."""
    rows = (
        Tube.objects.filter(round__in=[r.pk for r in _current(user)], status__in=STAGES)
        .exclude(status=TubeStatus.OPEN, member_count=0)
        .values_list("district_id", "street_id", "community_id")
        .annotate(n=Sum("member_count"), back=Sum("member_count", filter=Q(status=TubeStatus.RESULTED)))
        .order_by()
    )
    return [("", d, s, c, n or 0, back or 0) for d, s, c, n, back in rows]


def _missing_parts(now: dt.datetime) -> list[tuple]:
    """Each round's residents and sampled by community (round_coverage's rows for the whole city),
    with the community's street and district: an office's "missing" is, per round, its residents
    less its sampled (never below 0), added over the rounds."""
    places = {pk: (d, s) for pk, d, s in Community.objects.values_list("pk", "district_id", "street_id")}
    out = []
    for r in _current(CITY_WIDE):
        _total, rows = round_coverage(user=CITY_WIDE, testing_round=r, group_by="community")
        for c in rows:
            d, s = places.get(c.place_id, (None, None))
            out.append((str(r.pk), d, s, c.place_id, c.residents, c.sampled))
    return out


def _newest_round_url(view: str) -> str:
    """A page of the newest round being sampled (a round is a city-wide plan, not personal data):
    its deadline board, its coverage drilled by place; the list of rounds when none is."""
    pk = TestingRound.objects.filter(status=RoundStatus.ACTIVE).order_by("-number").values_list("pk", flat=True).first()
    return reverse(view, args=[pk]) if pk else reverse("testing:round_list")


def figures() -> list[Figure | Stat]:
    deadline_board = _newest_round_url("testing:deadline_board")
    return [
        # A round is a city-wide plan: every grant sees the same rounds.
        Stat("rounds", _("进行中轮次"), lambda user, now: len(_current(user)), url=reverse("testing:round_list"), shared=True),
        Stat(
            "samples",
            _("已采样（人份）"),
            lambda user, now: _samples(user, now)[0],
            url=deadline_board,
            by_place=lambda now: _sample_parts(CITY_WIDE, now),
        ),
        Stat(
            "results",
            _("已出结果（人份）"),
            lambda user, now: _samples(user, now)[1],
            url=deadline_board,
            by_place=lambda now: _sample_parts(CITY_WIDE, now),
            combine=lambda ab: ab[1],
        ),
        Figure(
            "tubes_overdue",
            _("超时未出结果（管）"),
            overdue_tubes,
            TUBE_PLACES,
            describe_tubes,
            late=True,
            deadline="deadline_at",
            url=deadline_board,
            snapshot=True,
        ),
        Stat(
            "missing",
            _("尚未采样（人）"),
            _missing,
            url=_newest_round_url("testing:coverage"),
            by_place=_missing_parts,
            combine=lambda ab: max(ab[0] - ab[1], 0),
        ),
    ]


# Tubes due for a result each day (by their deadline) and how many missed it.
TREND = DeadlineTrend(
    rows=lambda user: Tube.objects.visible_to(user).exclude(deadline_at=None).exclude(status=TubeStatus.OPEN, member_count=0),
    deadline="deadline_at",
    done="resulted_at",
    due_label=_("到期（管）"),
    late_label=_("超时（管）"),
)
trend = TREND.trend
trend_today_by_place = TREND.today_by_place
