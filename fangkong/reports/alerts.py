"""The board's escalation as alerts (fangkong.notifications): a late item that crosses the escalation
threshold (policy command.escalation_hours past its deadline, fangkong.reports.board.levels_up — the
same function the board draws with) reaches the board of the level above its owner; the offices of
that level, by their grants, are told once, when it gets there. Each further period raises it one
more level (community → street → district → command) and tells that level's offices in turn.

Two rules, because a city-wide grant receives every event of a rule it holds (the notification
centre's audience): the offices of the districts and streets receive `ESCALATED` — each event lies
only in the place it reached, so a district is not told of an item raised to one of its streets —
and the command receives `ESCALATED_TO_COMMAND`, whose events are only the items raised to the city.

The words name the step and figure of the board, the owner unit (a place the recipient's grant
covers), the deadline and how late — never the item's title or a person; the link opens the board's
drill-down of the figure at the owner's place (scoped to the reader: 404 outside their places).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.board import BOARD_LEVELS, Figure
from fangkong.core.modules import registry
from fangkong.core.roles import Role, roles
from fangkong.core.scoping import CITY_WIDE
from fangkong.notifications.rules import Event, Message, Rule, rules

from . import board

ESCALATED = "reports.escalated"
ESCALATED_TO_COMMAND = "reports.escalated_to_command"


class ReachedLevel(models.TextChoices):
    """The board a late item has been raised to."""

    CITY = "city", _("指挥部")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道（乡镇）")


class _BoardLabels:
    """The board's step and figure labels as a message's `labels` reads a TextChoices: `values` and
    `(code).label`. Figures are listed once per process (their labels are lazy: each reader's language)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._labels: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._labels is None:
            if self.kind == "step":
                self._labels = {s.key: s.label for s in registry.board_steps()}
            else:
                self._labels = {f"{s.key}.{f.key}": f.label for s, fs in board.steps() for f in fs if isinstance(f, Figure)}
        return self._labels

    @property
    def values(self) -> list[str]:
        return list(self._load())

    def __call__(self, value: str) -> SimpleNamespace:
        return SimpleNamespace(label=self._load()[value])


STEP_LABELS = _BoardLabels("step")
FIGURE_LABELS = _BoardLabels("figure")


def _crossed(figure: Figure, *, since: dt.datetime, until: dt.datetime, hours: float) -> list[tuple]:
    """(pk, district, street, community, deadline) of the figure's rows late at `until` that may have
    crossed a level's threshold in (since, until]: by the deadline path, only the rows whose deadline
    lies in one of the three windows [since − k·h, until − k·h) (k = 1 … 3: street, district, city)."""
    if figure.deadline:
        path = figure.deadline
        windows = Q()
        for k in range(1, len(BOARD_LEVELS)):
            period = dt.timedelta(hours=k * hours)
            windows |= Q(**{f"{path}__gte": since - period, f"{path}__lt": until - period})
        rows_in = figure.rows
        figure = dataclasses.replace(figure, rows=lambda user, now: rows_in(user, now).filter(windows))
    return figure.late_rows(CITY_WIDE, until)  # a computed deadline: every late row, picked below


def escalations(*, since: dt.datetime, until: dt.datetime) -> list[tuple[Event, str]]:
    """Each late item raised to a level in (since, until], with that level: one event per item, level
    and deadline (a new deadline is a new lateness)."""
    hours = board.escalation_hours()
    if hours <= 0:
        return []
    found: list[tuple[board.LateRow, int, str]] = []
    for step, figures in board.steps():
        for f in figures:
            if not (isinstance(f, Figure) and f.late):
                continue
            for pk, district, street, community, deadline in _crossed(f, since=since, until=until, hours=hours):
                row = board.LateRow(step.key, f.key, pk, {"district": district, "street": street, "community": community}, deadline)
                owner = BOARD_LEVELS.index(row.owner[0])
                before, after = board.levels_up(deadline, since, hours), board.levels_up(deadline, until, hours)
                for k in range(before + 1, min(after, owner) + 1):  # the levels reached in (since, until]
                    reached = BOARD_LEVELS[owner - k]
                    if reached == "city" or row.places.get(reached) is not None:
                        found.append((row, k, reached))
    names = {("city", None): str(_("全市"))} | board._owner_names([r for r, _k, _l in found])
    from .board_views import drill_url  # the board's own drill-down address

    out = []
    for row, k, reached in found:
        level, place_id = row.owner
        figure = f"{row.step}.{row.figure}"
        at = row.deadline + dt.timedelta(hours=k * hours)
        event = Event(
            key=f"{figure}:{row.pk}:{row.deadline:%Y%m%d%H%M}:{reached}",
            message=ESCALATED_TO_COMMAND if reached == "city" else ESCALATED,
            at=at,
            places={} if reached == "city" else {reached: row.places[reached]},
            params={
                "step": row.step,
                "figure": figure,
                "owner": names.get(row.owner, "—"),
                "deadline": f"{timezone.localtime(row.deadline):%m-%d %H:%M}",
                "hours": round((until - row.deadline).total_seconds() / 3600, 1),
                "level": reached,
            },
            url=drill_url(figure, level, place_id),
        )
        out.append((event, reached))
    return out


def escalated_to_places(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """The items raised to a district's or a street's board in (since, until]."""
    return (e for e, reached in escalations(since=since, until=until) if reached != "city")


def escalated_to_command(*, since: dt.datetime, until: dt.datetime) -> Iterator[Event]:
    """The items raised to the command's board in (since, until]."""
    return (e for e, reached in escalations(since=since, until=until) if reached == "city")


def _message(key: str) -> Message:
    return Message(
        key,
        _("逾期事项升级"),
        _("%(owner)s 的「%(step)s · %(figure)s」一项已超过时限（%(deadline)s）%(hours)s 小时，已升级至%(level)s。"),
        labels={"step": STEP_LABELS, "figure": FIGURE_LABELS, "level": ReachedLevel},
    )


def register() -> None:
    rules.register(
        Rule(
            key=ESCALATED,
            label=_("逾期事项升级至本街道、区县"),
            roles=roles(Role.DISTRICT_OFFICE, Role.STREET_OFFICE),
            levels=("district", "street"),
            find="fangkong.reports.alerts.escalated_to_places",
            messages=(_message(ESCALATED),),
            first_lookback=dt.timedelta(days=1),
            order=50,
        )
    )
    rules.register(
        Rule(
            key=ESCALATED_TO_COMMAND,
            label=_("逾期事项升级至指挥部"),
            roles=roles(Role.COMMAND_CENTRE),
            levels=("city",),
            find="fangkong.reports.alerts.escalated_to_command",
            messages=(_message(ESCALATED_TO_COMMAND),),
            first_lookback=dt.timedelta(days=1),
            order=51,
        )
    )
