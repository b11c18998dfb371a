"""Statuses of the 快隔 loop and the transitions each allows, in one place."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteKind(models.TextChoices):
    HOTEL = "hotel", _("宾馆酒店")
    PURPOSE_BUILT = "purpose_built", _("专用集中隔离场所")
    DORMITORY = "dormitory", _("学校、单位宿舍")
    OTHER = "other", _("其他场所")


class RoomType(models.TextChoices):
    SINGLE = "single", _("单人间")
    DOUBLE = "double", _("双人间")
    FAMILY = "family", _("家庭间")


# The capacity a room of each type gets when none is given.
ROOM_TYPE_CAPACITY: dict[str, int] = {RoomType.SINGLE: 1, RoomType.DOUBLE: 2, RoomType.FAMILY: 4}


class StaffDuty(models.TextChoices):
    MANAGER = "manager", _("负责人")
    MEDICAL = "medical", _("医护")
    SAMPLING = "sampling", _("采样")
    SECURITY = "security", _("安保")
    CLEANING = "cleaning", _("保洁消杀")
    CATERING = "catering", _("餐饮配送")
    LIAISON = "liaison", _("联络转运")
    OTHER = "other", _("其他")


class EpisodeKind(models.TextChoices):
    """Why the person is isolated; the kind chooses the policy keys of the regimen."""

    CLOSE_CONTACT = "close_contact", _("密切接触者")
    SECONDARY_CONTACT = "secondary_contact", _("次密切接触者")
    INBOUND = "inbound", _("入境人员")
    OTHER = "other", _("其他")


# The policy key prefix that sets each kind's regimen (`other` follows the close-contact rules).
KIND_POLICY_PREFIX: dict[str, str] = {
    EpisodeKind.CLOSE_CONTACT: "close_contact",
    EpisodeKind.SECONDARY_CONTACT: "secondary_contact",
    EpisodeKind.INBOUND: "inbound",
    EpisodeKind.OTHER: "close_contact",
}


class EpisodeStatus(models.TextChoices):
    AWAITING_TRANSFER = "awaiting_transfer", _("待转运隔离")
    IN_TRANSIT = "in_transit", _("转运中")
    CHECKED_IN = "checked_in", _("集中隔离中")
    RELEASED_PENDING_HANDOVER = "released_pending_handover", _("已解除集中隔离，待交接")
    HANDED_OVER = "handed_over", _("已交接社区，送返途中")
    HOME_ISOLATION = "home_isolation", _("居家隔离中")
    COMPLETED = "completed", _("已期满解除")
    TURNED_POSITIVE = "turned_positive", _("检出阳性，转快转")
    CANCELLED = "cancelled", _("已撤销")


EPISODE_TRANSITIONS: dict[str, frozenset[str]] = {
    EpisodeStatus.AWAITING_TRANSFER: frozenset(
        {EpisodeStatus.IN_TRANSIT, EpisodeStatus.CHECKED_IN, EpisodeStatus.TURNED_POSITIVE, EpisodeStatus.CANCELLED}
    ),
    EpisodeStatus.IN_TRANSIT: frozenset({EpisodeStatus.CHECKED_IN, EpisodeStatus.TURNED_POSITIVE, EpisodeStatus.CANCELLED}),
    EpisodeStatus.CHECKED_IN: frozenset({EpisodeStatus.RELEASED_PENDING_HANDOVER, EpisodeStatus.TURNED_POSITIVE, EpisodeStatus.CANCELLED}),
    # Until the receiving community confirms, the person stays the site's responsibility.
    EpisodeStatus.RELEASED_PENDING_HANDOVER: frozenset({EpisodeStatus.HANDED_OVER}),
    # Handed over: home isolation begins when the person is home; with no home phase (or handed to
    # another city, or to a second quarantine at the destination) the episode ends here.
    EpisodeStatus.HANDED_OVER: frozenset({EpisodeStatus.HOME_ISOLATION, EpisodeStatus.COMPLETED, EpisodeStatus.TURNED_POSITIVE}),
    # Cancelled at home: the determination withdrawn, or a secondary contact found to be a close
    # contact (流调), who goes to central isolation instead.
    EpisodeStatus.HOME_ISOLATION: frozenset({EpisodeStatus.COMPLETED, EpisodeStatus.TURNED_POSITIVE, EpisodeStatus.CANCELLED}),
    EpisodeStatus.COMPLETED: frozenset(),
    EpisodeStatus.TURNED_POSITIVE: frozenset(),
    EpisodeStatus.CANCELLED: frozenset(),
}

# Where an episode may begin: most kinds wait for transfer; a secondary contact is isolated at home.
EPISODE_INITIAL: dict[str, str] = {
    EpisodeKind.CLOSE_CONTACT: EpisodeStatus.AWAITING_TRANSFER,
    EpisodeKind.SECONDARY_CONTACT: EpisodeStatus.HOME_ISOLATION,
    EpisodeKind.INBOUND: EpisodeStatus.AWAITING_TRANSFER,
    EpisodeKind.OTHER: EpisodeStatus.AWAITING_TRANSFER,
}

# A person has at most one open episode (a partial unique index holds it).
EPISODE_OPEN = (
    EpisodeStatus.AWAITING_TRANSFER,
    EpisodeStatus.IN_TRANSIT,
    EpisodeStatus.CHECKED_IN,
    EpisodeStatus.RELEASED_PENDING_HANDOVER,
    EpisodeStatus.HANDED_OVER,
    EpisodeStatus.HOME_ISOLATION,
)
EPISODE_ENDED = (EpisodeStatus.COMPLETED, EpisodeStatus.TURNED_POSITIVE, EpisodeStatus.CANCELLED)
# Waiting to be taken to a site: the 日清日结 board.
EPISODE_AWAITING = (EpisodeStatus.AWAITING_TRANSFER, EpisodeStatus.IN_TRANSIT)
# The site is responsible for the person (in a room, or released and not yet handed over).
EPISODE_AT_SITE = (EpisodeStatus.CHECKED_IN, EpisodeStatus.RELEASED_PENDING_HANDOVER)


class HomeMode(models.TextChoices):
    """What the home phase is called and how strict it is (close_contact.home_mode, inbound.home_mode)."""

    NONE = "none", _("无居家阶段")
    HOME_ISOLATION = "home_isolation", _("居家隔离")
    HOME_HEALTH_MONITORING = "home_health_monitoring", _("居家健康监测")


class TestPhase(models.TextChoices):
    __test__ = False  # not a pytest test class

    CENTRAL = "central", _("集中隔离期")
    HOME = "home", _("居家阶段")


class StayEnd(models.TextChoices):
    """Why a person left a room."""

    HANDED_OVER = "handed_over", _("解除隔离交接")
    MOVED = "moved", _("调换房间")
    TURNED_POSITIVE = "turned_positive", _("检出阳性转出")
    CANCELLED = "cancelled", _("撤销隔离")


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("待接收方确认")
    CONFIRMED = "confirmed", _("已交接")


class TransportMode(models.TextChoices):
    """The closed-loop (点对点) transport of a handover."""

    SITE_VEHICLE = "site_vehicle", _("隔离点专车")
    COMMUNITY_VEHICLE = "community_vehicle", _("社区专车")
    CHARTER_FLIGHT = "charter_flight", _("包机")
    RAIL = "rail", _("铁路专列（专厢）")
    COACH = "coach", _("包车（客运）")


class ArrivalMode(models.TextChoices):
    FLIGHT = "flight", _("航班")
    TRAIN = "train", _("列车")
    ROAD = "road", _("公路口岸")


class IncidentKind(models.TextChoices):
    LEFT_ROOM = "left_room", _("擅自离开房间")
    ABSCONDED = "absconded", _("擅自离开隔离点")
    CROSS_INFECTION_RISK = "cross_infection_risk", _("交叉感染风险")
    MEDICAL = "medical", _("突发疾病")
    MENTAL_HEALTH = "mental_health", _("心理危机")
    SAFETY = "safety", _("安全事故（消防、用电等）")
    SUPPLY = "supply", _("生活物资保障不到位")
    COMPLAINT = "complaint", _("群众投诉")
    OTHER = "other", _("其他")


class Severity(models.TextChoices):
    LOW = "low", _("一般")
    HIGH = "high", _("较大")
    CRITICAL = "critical", _("重大")


class ChecklistGap(models.TextChoices):
    """What a site's daily internal-management checklist can find missing."""

    NOT_RECORDED = "not_recorded", _("未填报当日检查")
    CLEANING = "cleaning", _("房间及公共区域未清洁")
    DISINFECTION = "disinfection", _("未按要求消毒消杀")
    MEALS = "meals", _("送餐未覆盖全部在住房间")
    STAFF_HEALTH = "staff_health", _("工作人员健康监测未完成或有异常")


# ---- 流调: contacts and their exposures ----


class ContactKind(models.TextChoices):
    """What 流调 determined: a close contact of a case, or a contact of a close contact (where traced).
    The values are the episode kinds the contact is isolated under."""

    CLOSE_CONTACT = "close_contact", _("密切接触者")
    SECONDARY_CONTACT = "secondary_contact", _("次密切接触者")


class ExposureType(models.TextChoices):
    """How the contact was exposed (接触方式)."""

    HOUSEHOLD = "household", _("共同居住")
    WORKPLACE = "workplace", _("同一工作场所")
    SAME_VEHICLE = "same_vehicle", _("同乘交通工具")
    SAME_SPACE = "same_space", _("同一密闭空间（同时段）")
    DINING = "dining", _("共同用餐")
    SOCIAL = "social", _("聚会、娱乐等近距离接触")
    CARE = "care", _("诊疗、护理、探视")
    OTHER = "other", _("其他")


class ContactState(models.TextChoices):
    """Where a contact stands now, from their isolation episode and case (for lists and the graph)."""

    AWAITING = "awaiting", _("待隔离")
    ISOLATED = "isolated", _("隔离中")
    RELEASED = "released", _("已解除隔离")
    TURNED_POSITIVE = "turned_positive", _("转为病例")
    CANCELLED = "cancelled", _("已撤销")


def contact_state(episode_status: str | None, *, turned_case: bool = False) -> str:
    """A contact's state from their episode: isolated while any isolation measure runs (central or
    at home), released when it is complete; a positive (or a case opened for them) wins."""
    if turned_case or episode_status == EpisodeStatus.TURNED_POSITIVE:
        return ContactState.TURNED_POSITIVE
    if episode_status is None or episode_status in EPISODE_AWAITING:
        return ContactState.AWAITING
    if episode_status == EpisodeStatus.COMPLETED:
        return ContactState.RELEASED
    if episode_status == EpisodeStatus.CANCELLED:
        return ContactState.CANCELLED
    return ContactState.ISOLATED
