"""The columns of the 快隔 lists as exported to Excel and printed (fangkong.core.exports): what the
pages show, ID numbers masked, a linked case by its number only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.exports import Column

from ..choices import EpisodeKind
from ..models import IsolationEpisode
from ..selectors import Figures


def _contact(episode: IsolationEpisode) -> Any:
    """The 流调 contact record the episode isolates, if any (a reverse one-to-one: absent raises)."""
    return getattr(episode, "contact", None)


def _linked_cases(episode: IsolationEpisode) -> str:
    contact = _contact(episode)
    return "" if contact is None else "; ".join(f"#{link.case_id}" for link in contact.links.all())


def _kind(episode: IsolationEpisode) -> str:
    contact = _contact(episode)
    return contact.get_kind_display() if contact is not None else episode.get_kind_display()


def awaiting_columns() -> list[Column]:
    """日清日结 (the 快隔 board and the 流调 contacts awaiting isolation)."""
    return [
        Column(_("应隔离时限"), lambda e: e.isolate_by, 18),
        Column(_("超时"), lambda e: _("是") if e.is_overdue else "", 6),
        Column(_("姓名"), lambda e: e.person.name, 12),
        Column(_("证件号码"), lambda e: e.person.id_masked, 22),
        Column(_("类别"), _kind, 10),
        Column(_("关联病例"), _linked_cases, 14),
        Column(_("判定时间"), lambda e: e.identified_at, 18),
        Column(_("区县"), lambda e: e.district.name if e.district_id else "", 12),
        Column(_("现住社区"), lambda e: e.community.name if e.community_id else "", 16),
        Column(_("状态"), lambda e: e.get_status_display(), 12),
        Column(_("隔离点"), lambda e: e.site.name if e.site_id else "", 18),
    ]


def episode_columns() -> list[Column]:
    """The list of people in isolation (a site's roster when filtered by site)."""
    return [
        Column(_("姓名"), lambda e: e.person.name, 12),
        Column(_("证件号码"), lambda e: e.person.id_masked, 22),
        Column(_("类别"), lambda e: e.get_kind_display(), 10),
        Column(_("状态"), lambda e: e.get_status_display(), 14),
        Column(_("隔离点"), lambda e: e.site.name if e.site_id else "", 18),
        Column(_("所在社区"), lambda e: e.community.name if e.community_id else "", 16),
        Column(_("判定时间"), lambda e: e.identified_at, 18),
        Column(_("入住时间"), lambda e: e.checked_in_at, 18),
        Column(_("集中隔离期满"), lambda e: e.central_until, 18),
    ]


def figure_rows(f: Figures) -> list[tuple[str, str, object]]:
    """The day's 快隔 figures as (section, item, value) rows: the cards, the day's flow, by kind, by
    site, and the hours to isolation by district — what the figures page shows, as a table."""
    flow, by_kind, by_site, delay = _("当日流转"), _("当日判定（按类别）"), _("各隔离点在隔人数"), _("判定到入住用时（按区县）")
    rows: list[tuple[str, str, object]] = [
        (flow, _("当日判定"), f.identified_total),
        (flow, _("应于当日隔离"), f.due),
        (flow, _("按时隔离"), f.isolated_in_time),
        (flow, _("超时入住"), f.isolated_late),
        (flow, _("未入住"), f.still_awaiting),
        (flow, _("当前超时未隔离"), f.overdue_now),
        (flow, _("集中隔离在隔"), f.in_isolation_total),
        (flow, _("待交接"), f.pending_handovers),
        (flow, _("居家隔离"), f.in_home_isolation),
        (flow, _("入住"), f.checked_in),
        (flow, _("解除集中隔离"), f.released),
        (flow, _("交接社区（外地）"), f.handed_over),
        (flow, _("期满解除"), f.completed),
        (flow, _("检出阳性转快转"), f.turned_positive),
    ]
    rows += [(by_kind, str(label), f.identified.get(value, 0)) for value, label in EpisodeKind.choices]
    rows += [(by_site, name, n) for name, n in f.in_isolation_by_site.items()]
    for d in f.delay_by_district:
        rows += [
            (delay, f"{d.name} · {_('入住人数')}", d.isolated),
            (delay, f"{d.name} · {_('平均（小时）')}", d.average_hours),
            (delay, f"{d.name} · {_('最长（小时）')}", d.max_hours),
        ]
    return rows


def figure_columns(day: object) -> list[Column]:
    return [
        Column(_("日期"), lambda r: day, 12),
        Column(_("类别"), lambda r: r[0], 22),
        Column(_("项目"), lambda r: r[1], 28),
        Column(_("数值"), lambda r: r[2], 10),
    ]
