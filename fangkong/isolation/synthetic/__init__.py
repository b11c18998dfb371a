"""A synthetic 快隔 picture on the demo city — for the demo, the tests and the pages.

`isolation_generate` drives everything through the 快隔 services, as the pages would, with times in
the past: four sites (hotels) with rooms by floor and a duty roster (`site_create`,
`room_create_many`, `staff_add`), then people at every stage of the loop under the active policy
(20 measures: 5 days central + 3 at home; tests on central days 1, 2, 3, 5 and home days 1, 3):

- waiting for isolation: two identified today (one already in transit), one identified yesterday
  evening and now past its same-day deadline (the 日清日结 board has something overdue);
- checked in with the regimen partly tested: from today back to four days ago, the tests of past
  days recorded negative, today's on the day sheet; one missed yesterday's sample (a make-up, 补采);
- released today and waiting for the demo community (迎宾南路社区) to confirm the handover — a
  family sharing a double room, so the `community` demo account has a pending handover;
- handed over today, not yet home; at home (one with today's check to do, one with a home test due
  today); completed (the whole loop, checks every home day, tests negative);
- inbound travellers at the entry-point site: one registered today bound for the demo community,
  one in its central days, one released today to another city (handed over by the site), one
  completed at home in the city;
- one positive on central day 3 (yesterday): the episode ends and 快转 opens the case
  (services.handoff.on_positive);
- 流调, when 快转's demo cases are there (fangkong.cases.synthetic runs first in the demo): a case
  confirmed three to six days ago has eight close contacts recorded through `contact_add` — two of
  its household sharing a room, six colleagues and friends — all checked in; the positive above is
  one of its colleagues, and the case opened for them has their household and a colleague traced
  in turn (case → contact → case → contacts on the trace pages and the cluster graph);
- every site's daily checklist for the past week (two with gaps; today filed by one site only), and
  two incidents (one resolved, one open).

The `isolation` demo account gets a facility grant to the first site (see demo_accounts). All
times are in the past; "today" is the Beijing day (before 02:00 the story is set a day earlier, so
that everything "today" still fits before now). The actor is the account
`synthetic-isolation` (指挥部 with a city grant, no usable password).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_noop

from fangkong.accounts.models import GrantLevel, User
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.errors import DomainError
from fangkong.core.roles import Role
from fangkong.geo.models import Person
from fangkong.policy.rules import rules_read_once

from ..models import IsolationEpisode, IsolationSite, Room, SiteDailyChecklist, SiteIncident
from .sites import ACTOR_USERNAME, SITES
from .story import Story


@dataclass
class IsolationStats:
    sites: int = 0
    rooms: int = 0
    beds: int = 0
    staff: int = 0
    episodes: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    arrivals: int = 0
    pending_handovers: int = 0
    checklists: int = 0
    checklists_with_gaps: int = 0
    incidents: int = 0
    incidents_open: int = 0
    seconds: float = 0.0


def _service_account() -> User:
    """The account the generator acts through (fangkong.accounts.services.service_accounts)."""
    return service_account(
        ACTOR_USERNAME,
        Role.COMMAND_CENTRE,
        "合成数据·快隔（演示）",
        level=GrantLevel.CITY,
        reason=gettext_noop("合成快隔数据"),
    )


def isolation_generate(*, seed: int = 2022, now: dt.datetime | None = None) -> IsolationStats:
    """Generate the sites and the episodes described in the module docstring. All or nothing."""
    started = time.monotonic()
    with transaction.atomic(), rules_read_once():
        if not Person.objects.filter(community__isnull=False).exists():
            raise DomainError(
                "登记库中没有人员，请先运行 make_city / the registry is empty: run make_city first", rule="isolation.synthetic"
            )
        taken = IsolationSite.objects.filter(name__in=[s.name for s in SITES]).values_list("name", flat=True).first()
        if taken:
            raise DomainError(f"隔离点“{taken}”已存在 / the demo sites exist", rule="isolation.synthetic")
        gen = Story(seed=seed, now=now or timezone.now(), actor=_service_account())
        gen.run()
        stats = isolation_stats(sites=gen.sites)
    stats.seconds = round(time.monotonic() - started, 1)
    return stats


def isolation_stats(*, sites: list[IsolationSite]) -> IsolationStats:
    episodes = IsolationEpisode.objects.all()
    rooms = Room.objects.filter(site__in=sites)
    checklists = SiteDailyChecklist.objects.filter(site__in=sites)
    incidents = SiteIncident.objects.filter(site__in=sites)
    return IsolationStats(
        sites=len(sites),
        rooms=rooms.count(),
        beds=sum(rooms.values_list("capacity", flat=True)),
        staff=sum(s.staff.count() for s in sites),
        episodes=dict(episodes.values_list("status").annotate(n=Count("id")).order_by()),
        overdue=episodes.overdue(timezone.now()).count(),
        arrivals=sum(s.arrivals.count() for s in sites),
        pending_handovers=sum(s.handovers.filter(status="pending").count() for s in sites),
        checklists=checklists.count(),
        checklists_with_gaps=sum(1 for gaps in checklists.values_list("gaps", flat=True) if gaps),
        incidents=incidents.count(),
        incidents_open=incidents.filter(resolved_at__isnull=True).count(),
    )


def format_stats(stats: IsolationStats) -> str:
    """The summary `make_isolation` (and `manage.py demo`) prints."""
    labels = dict(IsolationEpisode._meta.get_field("status").flatchoices)
    episodes = "、".join(f"{labels.get(k, k)} {n}" for k, n in sorted(stats.episodes.items(), key=lambda kv: -kv[1]))
    return "\n".join(
        [
            f"隔离点 sites: {stats.sites}（{stats.rooms} 间 rooms, {stats.beds} 床 beds, {stats.staff} 工作人员 staff）",
            f"隔离人员 episodes: {episodes}; 超时待隔离 overdue: {stats.overdue}; 入境人员 arrivals: {stats.arrivals}; "
            f"待交接 pending handovers: {stats.pending_handovers}",
            f"每日检查 checklists: {stats.checklists}（{stats.checklists_with_gaps} 有问题 with gaps）; "
            f"突发事件 incidents: {stats.incidents}（{stats.incidents_open} 未处置 open）",
            f"— {stats.seconds:.1f} s",
        ]
    )


__all__ = ["ACTOR_USERNAME", "SITES", "IsolationStats", "format_stats", "isolation_generate", "isolation_stats"]
