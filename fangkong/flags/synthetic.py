"""The system's flags on the demo city (fangkong.demo calls `flags_demo` after the other modules).

The demo already holds late items of every step (transfers, isolations, tubes past their deadline)
and an area kept past its lifting date; sealed compounds without a 4+N roster are duty gaps. For
over-enforcement the demo adds one thing the other generators leave out: a whole compound sealed in
force where the policy's unit is the building (proposed with a written justification by a district
office, approved by the command, through the zoning services as the pages would) — then evaluates
every rule over the city once, in full. A second run keeps the compound's area and re-evaluates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_noop

from fangkong.accounts.models import GrantLevel
from fangkong.accounts.services.service_accounts import service_account
from fangkong.core.clock import now as clock_now
from fangkong.core.roles import Role
from fangkong.core.scoping import CITY_WIDE
from fangkong.geo.models import Compound
from fangkong.zoning.choices import AreaClass, PlaceLevel
from fangkong.zoning.pages import area_list
from fangkong.zoning.selectors import areas_in_force
from fangkong.zoning.services import area_approve, area_propose

from .choices import FlagKind
from .services import RuleRun, flags_evaluate

WIDE_MARK = "（整小区·演示）"


@dataclass
class FlagsDemoStats:
    wide_area: str
    runs: list[RuleRun]

    @property
    def raised(self) -> int:
        return sum(r.raised for r in self.runs)


def _wide_compound_area(at: dt.datetime) -> str:
    existing = area_list(user=CITY_WIDE, q=WIDE_MARK).first()
    if existing is not None:
        return existing.name
    zoned = set(areas_in_force(at=at).values_list("community_id", flat=True))
    compound = Compound.objects.exclude(community_id__in=zoned).order_by("district_id", "pk").first()
    if compound is None:
        return ""
    office = service_account(
        f"synthetic-flags-{compound.district_id}",
        Role.DISTRICT_OFFICE,
        "合成数据·区防控办（系统预警演示）",
        level=GrantLevel.DISTRICT,
        place_id=compound.district_id,
        reason=gettext_noop("合成系统预警数据"),
    )
    command = service_account(
        "synthetic-flags",
        Role.COMMAND_CENTRE,
        "合成数据·指挥部（系统预警演示）",
        level=GrantLevel.CITY,
        reason=gettext_noop("合成系统预警数据"),
    )
    with transaction.atomic():
        area = area_propose(
            actor=office,
            name=f"{compound.name}{WIDE_MARK}",
            area_class=AreaClass.SEALED,
            places=[(PlaceLevel.COMPOUND, compound.pk)],
            reason="合成数据：小区内一栋楼出现阳性",
            justification="小区仅一个出入口，申请整小区封控",
            at=at - dt.timedelta(hours=5),
        )
        area_approve(actor=command, area=area, reason="同意（演示：超出政策划定单位，待督导核查）", at=at - dt.timedelta(hours=4))
    return area.name


def flags_demo(*, at: dt.datetime | None = None) -> FlagsDemoStats:
    at = at or clock_now()
    name = _wide_compound_area(at)
    return FlagsDemoStats(name, flags_evaluate(at=at, full=True))


def format_stats(stats: FlagsDemoStats) -> str:
    from .models import Flag

    under = Flag.objects.open().filter(kind=FlagKind.UNDER).count()
    over = Flag.objects.open().filter(kind=FlagKind.OVER).count()
    rules = ", ".join(f"{r.rule.split('.')[-1]} {r.found}" for r in stats.runs)
    return f"系统预警 / flags: 履职不力 {under}, 层层加码/一刀切 {over} open ({rules}); 超范围演示区域: {stats.wide_area or '—'}"
