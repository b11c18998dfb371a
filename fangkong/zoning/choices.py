"""Risk-area classes and states, and where a positive was found."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaClass(models.TextChoices):
    """The class of an area under control. The active policy names them (封控/管控/防范 in earlier
    profiles; high/medium/low risk since the 9th edition) and sets each one's pooling (pooling.<class>)."""

    SEALED = "sealed", _("封控区（高风险区）")
    CONTROLLED = "controlled", _("管控区")
    PRECAUTION = "precaution", _("防范区（低风险区）")


# Strictest first: where areas overlap, the stricter class wins.
STRICTNESS = {AreaClass.SEALED: 0, AreaClass.CONTROLLED: 1, AreaClass.PRECAUTION: 2}
# Classes whose residents count as "under control" (a positive there is not 社会面).
UNDER_CONTROL = (AreaClass.SEALED, AreaClass.CONTROLLED)


class AreaStatus(models.TextChoices):
    PROPOSED = "proposed", _("待批准")
    IN_FORCE = "in_force", _("生效中")
    LIFTED = "lifted", _("已解除")
    REJECTED = "rejected", _("未批准")


AREA_TRANSITIONS: dict[str, frozenset[str]] = {
    AreaStatus.PROPOSED: frozenset({AreaStatus.IN_FORCE, AreaStatus.REJECTED}),
    AreaStatus.IN_FORCE: frozenset({AreaStatus.LIFTED}),
    AreaStatus.LIFTED: frozenset(),
    AreaStatus.REJECTED: frozenset(),
}


class PlaceLevel(models.TextChoices):
    """The registry places an area is made of ("主要以楼栋为单位": mostly buildings and units)."""

    DISTRICT = "district", _("区县")
    STREET = "street", _("街道（乡镇）")
    COMMUNITY = "community", _("社区（村）")
    GRID = "grid", _("网格")
    COMPOUND = "compound", _("小区")
    BUILDING = "building", _("楼栋")
    UNIT = "unit", _("单元")


# Narrowest first: a declaration at a level after the policy's largest unit is "wider" (扩大范围).
PLACE_WIDTH: tuple[str, ...] = (
    PlaceLevel.UNIT,
    PlaceLevel.BUILDING,
    PlaceLevel.COMPOUND,
    PlaceLevel.GRID,
    PlaceLevel.COMMUNITY,
    PlaceLevel.STREET,
    PlaceLevel.DISTRICT,
)
# A district office may declare down to these; a whole district is the command's own decision.
DECLARABLE_LEVELS: tuple[str, ...] = PLACE_WIDTH[:-1]


class FoundIn(models.TextChoices):
    """Where a positive was found, for the press-conference split (社会面 is the number to keep at zero)."""

    ISOLATION_SITE = "isolation_site", _("集中隔离点")
    CONTROLLED = "controlled", _("高风险区（封控区、管控区）及就地管控")
    COMMUNITY = "community", _("社会面")


# A positive found in isolation or under control is not 社会面.
FOUND_UNDER_CONTROL = (FoundIn.ISOLATION_SITE, FoundIn.CONTROLLED)


# ---- 4+N duty (compound control: 1 volunteer + 1 cadre + 1 security guard + 1 police or militia + N others) ----


class DutyRole(models.TextChoices):
    VOLUNTEER = "volunteer", _("志愿者")
    CADRE = "cadre", _("包联干部")
    SECURITY = "security", _("保安")
    POLICE_OR_MILITIA = "police_or_militia", _("政法干警或民兵")
    OTHER = "other", _("其他人员")


# The "4" of 4+N: each must be on duty at every moment, round the clock (24 小时值班值守).
REQUIRED_DUTY_ROLES: tuple[str, ...] = (DutyRole.VOLUNTEER, DutyRole.CADRE, DutyRole.SECURITY, DutyRole.POLICE_OR_MILITIA)


class CadreRank(models.TextChoices):
    """A cadre's rank, for the assignments of 处级干部 to sealed areas (处级领导包联封控区)."""

    DIVISION = "division", _("处级")
    SECTION = "section", _("科级")
    OTHER = "other", _("其他")
