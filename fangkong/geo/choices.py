"""Choices for places and people."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DistrictKind(models.TextChoices):
    DISTRICT = "district", _("区")
    BANNER = "banner", _("旗")
    COUNTY = "county", _("县")


class StreetKind(models.TextChoices):
    STREET = "street", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")


class CommunityKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")
    GACHA = "gacha", _("嘎查")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAU_PASS = "hk_macau_pass", _("港澳居民来往内地通行证")
    TAIWAN_PASS = "taiwan_pass", _("台湾居民来往大陆通行证")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")
    UNKNOWN = "U", _("未知")


class VulnerableTag(models.TextChoices):
    """The vulnerable categories of SPEC.md §6 (seed 003)."""

    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    EMPTY_NEST = "empty_nest", _("空巢老人")
    DISABLED = "disabled", _("残疾人")
    DISABLED_MODERATE = "disabled_moderate", _("中度失能失智")
    DISABLED_SEVERE = "disabled_severe", _("重度失能失智")
    DIBAO = "dibao", _("低保")
    DIBAO_EDGE = "dibao_edge", _("低保边缘")
    TEKUN = "tekun", _("特困供养")
    JISHENG_TEFU = "jisheng_tefu", _("计生特扶")
    MODEL_WORKER = "model_worker", _("市级以上劳动模范")
    DISABLED_ON_DUTY = "disabled_on_duty", _("因公致残")
    BRAVERY = "bravery", _("见义勇为")
    PREGNANT = "pregnant", _("孕产妇")
    CHRONIC = "chronic", _("慢性病/基础疾病")
    LEFT_BEHIND = "left_behind", _("留守老人")


# ---- the facts 民生保障's rules read (geo.PersonWelfare; seed 003's voucher) ----


class FamilyStatus(models.TextChoices):
    """The family's social-assistance status (民政): 城乡低保, 低保边缘, 城乡特困 (分散 or 集中供养)."""

    NONE = "", _("无")
    DIBAO = "dibao", _("城乡低保家庭")
    DIBAO_EDGE = "dibao_edge", _("低保边缘家庭")
    TEKUN_DISPERSED = "tekun_dispersed", _("城乡特困分散供养")
    TEKUN_CENTRAL = "tekun_central", _("城乡特困集中供养")


class DisabilityLevel(models.TextChoices):
    """失能失智 (loss of ability or dementia), as assessed."""

    NONE = "", _("无")
    MILD = "mild", _("轻度失能失智")
    MODERATE = "moderate", _("中度失能失智")
    SEVERE = "severe", _("重度失能失智")


class ModelWorkerLevel(models.TextChoices):
    NONE = "", _("无")
    BELOW_MUNICIPAL = "below_municipal", _("市级以下劳动模范")
    MUNICIPAL = "municipal", _("市级劳动模范")
    PROVINCIAL = "provincial", _("省部级劳动模范")
    NATIONAL = "national", _("全国劳动模范")
