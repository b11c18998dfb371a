"""The states and kinds of the volunteers module, and the allowed transitions, in one place."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VolunteerStatus(models.TextChoices):
    APPLIED = "applied", _("待核验")
    VERIFIED = "verified", _("已核验")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


VOLUNTEER_TRANSITIONS: dict[str, set[str]] = {
    VolunteerStatus.APPLIED: {VolunteerStatus.VERIFIED, VolunteerStatus.REJECTED},
    VolunteerStatus.VERIFIED: {VolunteerStatus.APPROVED, VolunteerStatus.REJECTED},
    VolunteerStatus.APPROVED: {VolunteerStatus.APPROVED},  # approved again: for field work once the block has gone
    VolunteerStatus.REJECTED: set(),
}


class Skill(models.TextChoices):
    MEDICAL = "medical", _("医护")
    SAMPLING = "sampling", _("采样")
    DRIVING = "driving", _("驾驶")
    DATA_ENTRY = "data_entry", _("数据录入")
    CONSTRUCTION = "construction", _("建设施工")
    LOGISTICS = "logistics", _("物资搬运")
    MONGOLIAN = "mongolian", _("蒙古语")
    COUNSELLING = "counselling", _("心理疏导")
    DISINFECTION = "disinfection", _("消杀")


class Availability(models.TextChoices):
    ANY = "any", _("随时")
    WEEKDAYS = "weekdays", _("工作日")
    WEEKENDS = "weekends", _("周末")
    EVENINGS = "evenings", _("晚间")


class OrganisationKind(models.TextChoices):
    YOUTH_LEAGUE = "youth_league", _("共青团志愿服务队")
    PARTY = "party", _("党组织（报到党员）")
    COMPANY = "company", _("企业")
    COMMUNITY = "community", _("社区")
    SOCIETY = "society", _("社会组织")
    OTHER = "other", _("其他")


class PointKind(models.TextChoices):
    SAMPLING = "sampling", _("核酸采样点")
    GATE = "gate", _("社区卡口")
    WAREHOUSE = "warehouse", _("物资仓库")
    FANGCANG = "fangcang", _("在建方舱")
    OFFICE = "office", _("工作专班")
    OTHER = "other", _("其他")


class AssignmentStatus(models.TextChoices):
    SIGNED_UP = "signed_up", _("已报名")
    ASSIGNED = "assigned", _("已安排")
    CHECKED_IN = "checked_in", _("在岗")
    DONE = "done", _("已完成")
    NO_SHOW = "no_show", _("未到岗")


# Counted against a need's headcount and a volunteer's day: everyone still expected or who came.
HOLDING = (AssignmentStatus.SIGNED_UP, AssignmentStatus.ASSIGNED, AssignmentStatus.CHECKED_IN, AssignmentStatus.DONE)
ATTENDED = (AssignmentStatus.CHECKED_IN, AssignmentStatus.DONE)


class VehicleKind(models.TextChoices):
    CAR = "car", _("小型客车")
    VAN = "van", _("厢式货车")
    TRUCK = "truck", _("货车")
    AMBULANCE = "ambulance", _("转运车（负压）")
    SPRAYER = "sprayer", _("消杀车")


class DisinfectionKind(models.TextChoices):
    TERMINAL = "terminal", _("终末消毒（阳性场所）")
    COMMUNITY = "community", _("社区环境消杀")


class DeploymentKind(models.TextChoices):
    """The people who serve besides volunteers (seeds 002, 004): each assigned to a place for a period."""

    PARTY_MEMBER = "party_member", _("报到党员")
    CADRE = "cadre", _("包联干部")
    POLICE = "police", _("下沉政法干警")


# Who each kind is on a compound's 4+N roster (fangkong.zoning.choices.DutyRole values).
ROSTER_ROLE: dict[str, str] = {
    DeploymentKind.PARTY_MEMBER: "other",
    DeploymentKind.CADRE: "cadre",
    DeploymentKind.POLICE: "police_or_militia",
}
