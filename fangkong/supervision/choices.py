"""督导's vocabulary: the kinds of place a team inspects, a rectification's states and the moves
between them (checked by fangkong.core.transitions)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    """What an inspection team is assigned to (seed 002: sealed and controlled compounds)."""

    SEALED_AREA = "sealed_area", _("封控小区")
    CONTROLLED_AREA = "controlled_area", _("管控小区")
    ISOLATION_SITE = "isolation_site", _("集中隔离点")
    SAMPLING_POINT = "sampling_point", _("采样点")
    CHECKPOINT = "checkpoint", _("卡口")


class Answer(models.TextChoices):
    PASS = "pass", _("符合")
    FAIL = "fail", _("不符合")
    NOT_APPLICABLE = "na", _("不适用")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("已整改待验证")
    RETURNED = "returned", _("验证未通过，退回整改")
    VERIFIED = "verified", _("已验证销号")


RECTIFICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    RectificationStatus.OPEN: frozenset({RectificationStatus.SUBMITTED}),
    RectificationStatus.SUBMITTED: frozenset({RectificationStatus.VERIFIED, RectificationStatus.RETURNED}),
    RectificationStatus.RETURNED: frozenset({RectificationStatus.SUBMITTED}),
    RectificationStatus.VERIFIED: frozenset(),
}

# Not yet closed: the owner still has work to do, or the inspector has evidence to check.
UNCLOSED = (RectificationStatus.OPEN, RectificationStatus.SUBMITTED, RectificationStatus.RETURNED)
# The owner's move: evidence still to give.
AWAITING_FIX = (RectificationStatus.OPEN, RectificationStatus.RETURNED)
