"""快检 on the home page (fangkong.core.landing): the door-knocking and re-sampling of the rounds being
sampled (a grid worker: households; a community: its grids), and a laboratory's tubes to receive and
results due. Built on the selectors; every read is the user's."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fangkong.core.modules import PANEL_ROWS, LandingPanel, LandingRow
from fangkong.core.timefmt import local_minutes

from . import selectors
from .models import TestingRound
from .selectors import fieldwork, lab_queue

# A grid worker usually has one grid; a few more are listed, each its own panel.
GRIDS_LISTED = 3


def _round_title(title: str, rounds: list[TestingRound]) -> str:
    if len(rounds) == 1:
        return _("%(title)s · 第 %(n)s 轮") % {"title": title, "n": rounds[0].number}
    return _("%(title)s · %(n)s 个轮次在采样") % {"title": title, "n": len(rounds)}


def _rows_by_round(groups: list[tuple[TestingRound, list[LandingRow]]]) -> list[LandingRow]:
    """The rows of every round being sampled, newest round first, each labelled with its round when
    there are several; the PANEL_ROWS cap is shared out round by round so that one round's long list
    does not hide another round's work."""
    taken = [0] * len(groups)
    while sum(taken) < PANEL_ROWS:
        grew = False
        for i, (_round, rows) in enumerate(groups):
            if taken[i] < len(rows) and sum(taken) < PANEL_ROWS:
                taken[i] += 1
                grew = True
        if not grew:
            break
    labelled = len(groups) > 1
    out = []
    for (testing_round, rows), n in zip(groups, taken, strict=True):
        for row in rows[:n]:
            if labelled:
                label = _("第 %(n)s 轮") % {"n": testing_round.number}
                row = replace(row, detail=f"{label} · {row.detail}" if row.detail else label)
            out.append(row)
    return out


def _no_round_panel(key: str, title: str, icon: str) -> LandingPanel:
    return LandingPanel(
        key=key,
        title=title,
        icon=icon,
        count=0,
        rows=[],
        empty=_("现在没有正在采样的检测轮次。"),
        url=reverse("testing:round_list"),
        url_label=_("检测轮次"),
    )


def grid_knocking(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """The households of the user's grids with someone not yet sampled nor explained (敲门行动), in
    every round being sampled."""
    rounds = list(selectors.current_rounds(user=user))
    if not rounds:
        return [_no_round_panel("knocking", _("敲门行动"), "door-closed")]
    panels = []
    for grid in fieldwork.grid_list(user=user)[:GRIDS_LISTED]:
        groups, count = [], 0
        for testing_round in rounds:
            items = selectors.door_knocking_list(user=user, testing_round=testing_round, grid_id=grid.pk)
            todo = [h for h in items if any(not m.outcome for m in h.missing)]
            url = reverse("testing:door_knocking", args=[testing_round.pk, grid.pk])
            count += len(todo)
            rows = [
                LandingRow(
                    text=h.address,
                    url=f"{url}?household={h.household_id}",
                    detail=_("未采样 %(n)s 人：%(names)s") % {"n": len(h.missing), "names": "、".join(m.name for m in h.missing[:3])},
                )
                for h in todo[:PANEL_ROWS]
            ]
            groups.append((testing_round, rows))
        panels.append(
            LandingPanel(
                key=f"knocking-{grid.pk}",
                title=_round_title(_("敲门行动 · %(grid)s") % {"grid": grid.name}, rounds),
                icon="door-closed",
                count=count,
                rows=_rows_by_round(groups),
                empty=_("本网格的居民都已采样或已说明情况。"),
                url=reverse("testing:door_knocking", args=[rounds[0].pk, grid.pk]),
                url_label=_("打开敲门清单"),
                unit=pgettext("count unit", "户"),
            )
        )
    return panels


def community_knocking(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """The community's grids with residents not yet sampled nor explained, the most first, in every
    round being sampled; the count is of grids, like the rows."""
    rounds = list(selectors.current_rounds(user=user))
    if not rounds:
        return [_no_round_panel("knocking", _("敲门行动"), "door-closed")]
    groups, count = [], 0
    for testing_round in rounds:
        _total, grids = selectors.round_coverage(user=user, testing_round=testing_round, level="city", group_by="grid")
        todo = sorted((g for g in grids if g.place_id and g.missing - g.explained > 0), key=lambda g: -(g.missing - g.explained))
        count += len(todo)
        rows = [
            LandingRow(
                text=g.name,
                url=reverse("testing:door_knocking", args=[testing_round.pk, g.place_id]),
                detail=_("未采样 %(missing)s 人，已说明 %(explained)s 人") % {"missing": g.missing, "explained": g.explained},
            )
            for g in todo[:PANEL_ROWS]
        ]
        groups.append((testing_round, rows))
    return [
        LandingPanel(
            key="knocking",
            title=_round_title(_("敲门行动"), rounds),
            icon="door-closed",
            count=count,
            rows=_rows_by_round(groups),
            empty=_("各网格的居民都已采样或已说明情况。"),
            url=reverse("testing:round_detail", args=[rounds[0].pk]),
            url_label=_("检测进度"),
            unit=_("个网格"),
        )
    ]


def resampling(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """Re-sampling at home still to do (混管阳性, invalid results, bedridden residents), in every round
    being sampled."""
    rounds = list(selectors.current_rounds(user=user))
    if not rounds:
        return []
    groups, count = [], 0
    for testing_round in rounds:
        tasks = fieldwork.resampling_tasks(user=user, testing_round=testing_round)
        url = reverse("testing:resampling_tasks", args=[testing_round.pk])
        count += tasks.count()
        rows = [
            LandingRow(
                text=t.person.name,
                url=f"{url}?grid={t.grid_id}" if t.grid_id else url,
                detail=f"{t.household.address if t.household_id else '—'} · {t.get_reason_display()}",
                flag=t.get_status_display() if t.status != "open" else "",
            )
            for t in tasks[:PANEL_ROWS]
        ]
        groups.append((testing_round, rows))
    return [
        LandingPanel(
            key="resampling",
            title=_round_title(_("上门单采"), rounds),
            icon="house-add",
            count=count,
            rows=_rows_by_round(groups),
            empty=_("没有待上门采样的任务。"),
            url=reverse("testing:resampling_tasks", args=[rounds[0].pk]),
            url_label=_("全部单采任务"),
            unit=_("项任务"),
        )
    ]


def laboratory(user: Any, now: dt.datetime) -> list[LandingPanel]:
    """The lab's rounds: sealed tubes waiting to be received, and its received tubes waiting for a
    result (the overdue ones listed)."""
    try:
        lab, _labs = lab_queue.laboratory_for(user=user)
    except Http404:
        empty = _("您的账号还没有关联检测机构，请联系系统管理员。")
        return [LandingPanel(key="lab-receive", title=_("待接收试管"), icon="box-seam", count=0, rows=[], empty=empty)]
    receive_rows, result_rows = [], []
    to_receive = awaiting = 0
    rounds = list(lab_queue.lab_rounds(user=user, laboratory=lab)[:PANEL_ROWS])
    # The lab page of the newest round (receive, upload); the round list when there is none.
    lab_url = reverse("testing:lab", args=[rounds[0].pk]) if rounds else reverse("testing:round_list")
    upload_url = reverse("testing:result_upload", args=[rounds[0].pk]) if rounds else lab_url
    for testing_round in rounds:
        url = reverse("testing:lab", args=[testing_round.pk])
        sealed = lab_queue.tubes_to_receive(testing_round=testing_round)
        counts = lab_queue.lab_counts(user=user, testing_round=testing_round, laboratory=lab, now=now)
        to_receive += sealed
        awaiting += counts.awaiting
        if sealed:
            receive_rows.append(
                LandingRow(text=_("第 %(n)s 轮") % {"n": testing_round.number}, url=url, detail=_("已封管待接收 %(n)s 支") % {"n": sealed})
            )
        if counts.awaiting:
            result_rows.append(
                LandingRow(
                    text=_("第 %(n)s 轮") % {"n": testing_round.number},
                    url=url,
                    detail=_("已接收待出结果 %(n)s 支") % {"n": counts.awaiting},
                    flag=_("超时 %(n)s 支") % {"n": counts.overdue} if counts.overdue else "",
                )
            )
            for tube in lab_queue.overdue_lab_tubes(user=user, testing_round=testing_round, laboratory=lab, now=now)[:PANEL_ROWS]:
                result_rows.append(
                    LandingRow(
                        text=tube.barcode,
                        url=url,
                        detail=_("%(point)s · 时限 %(at)s") % {"point": tube.sampling_point.name, "at": local_minutes(tube.deadline_at)},
                        flag=_("超时"),
                    )
                )
    return [
        LandingPanel(
            key="lab-receive",
            title=_("待接收试管 · %(lab)s") % {"lab": lab.name},
            icon="box-seam",
            count=to_receive,
            rows=receive_rows[:PANEL_ROWS],
            empty=_("没有等待接收的试管。"),
            url=lab_url,
            url_label=_("接收试管"),
        ),
        LandingPanel(
            key="lab-results",
            title=_("待出结果"),
            icon="clipboard2-data",
            count=awaiting,
            rows=result_rows[:PANEL_ROWS],
            empty=_("已接收的试管都已出结果。"),
            url=upload_url,
            url_label=_("上传结果"),
        ),
    ]
