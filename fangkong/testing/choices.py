"""Statuses of the 快检 loop and the transitions each allows, in one place."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("已计划")
    ACTIVE = "active", _("采样中")
    CLOSED = "closed", _("已结束")


ROUND_TRANSITIONS: dict[str, frozenset[str]] = {
    RoundStatus.PLANNED: frozenset({RoundStatus.ACTIVE, RoundStatus.CLOSED}),
    RoundStatus.ACTIVE: frozenset({RoundStatus.CLOSED}),
    RoundStatus.CLOSED: frozenset(),
}


class ScopeLevel(models.TextChoices):
    CITY = "city", _("全市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道（乡镇）")
    COMMUNITY = "community", _("社区（村）")
    GRID = "grid", _("网格")


class PoolingMode(models.TextChoices):
    SINGLE = "single", _("单采单检")
    HOUSEHOLD = "household", _("1户1管")
    POOLED_10 = "pooled_10", _("10合1混采")
    POOLED_20 = "pooled_20", _("20合1混采")


# How many people one tube holds. A household tube holds one household (at most this many).
CAPACITY: dict[str, int] = {
    PoolingMode.SINGLE: 1,
    PoolingMode.HOUSEHOLD: 10,
    PoolingMode.POOLED_10: 10,
    PoolingMode.POOLED_20: 20,
}


class TubeStatus(models.TextChoices):
    OPEN = "open", _("采样中")
    CLOSED = "closed", _("已封管")
    RECEIVED = "received", _("已接收")
    RESULTED = "resulted", _("已出结果")


TUBE_TRANSITIONS: dict[str, frozenset[str]] = {
    TubeStatus.OPEN: frozenset({TubeStatus.CLOSED, TubeStatus.RECEIVED}),
    TubeStatus.CLOSED: frozenset({TubeStatus.RECEIVED, TubeStatus.RESULTED}),
    TubeStatus.RECEIVED: frozenset({TubeStatus.RESULTED}),
    TubeStatus.RESULTED: frozenset({TubeStatus.RESULTED}),  # a corrected result
}


class ResamplingReason(models.TextChoices):
    POOL_POSITIVE = "pool_positive", _("混管阳性")
    INVALID = "invalid", _("结果无效")
    HOME_SAMPLING = "home_sampling", _("卧床等行动不便，上门采样")


class ResamplingStatus(models.TextChoices):
    OPEN = "open", _("待上门采样")
    SAMPLED = "sampled", _("已采样待结果")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


RESAMPLING_OPEN = (ResamplingStatus.OPEN, ResamplingStatus.SAMPLED)


class ControlStatus(models.TextChoices):
    ACTIVE = "active", _("管控中")
    LIFTED = "lifted", _("已解除")


class PositiveStatus(models.TextChoices):
    AWAITING_CASE = "awaiting_case", _("待流调转运")
    HANDED_OVER = "handed_over", _("已移交")
    WITHDRAWN = "withdrawn", _("已撤销（结果更正）")


# Awaiting → handed over to 快转 (services.handover), or withdrawn when the lab corrects the result.
POSITIVE_TRANSITIONS: dict[str, frozenset[str]] = {
    PositiveStatus.AWAITING_CASE: frozenset({PositiveStatus.HANDED_OVER, PositiveStatus.WITHDRAWN}),
    PositiveStatus.HANDED_OVER: frozenset({PositiveStatus.WITHDRAWN}),
    PositiveStatus.WITHDRAWN: frozenset(),
}


class CheckOutcome(models.TextChoices):
    """What a grid worker found when knocking on the door (敲门行动)."""

    SAMPLED_ON_SPOT = "sampled_on_spot", _("当场采样")
    AWAY = "away", _("外出（注明去向）")
    BEDRIDDEN = "bedridden", _("卧床，需上门采样")
    REFUSED = "refused", _("拒绝采样")
    MOVED_OUT = "moved_out", _("已搬离")
    ISOLATED = "isolated", _("已集中隔离")
    HOSPITALISED = "hospitalised", _("住院")


class StickerStatus(models.TextChoices):
    NONE = "none", _("未张贴")
    POSTED = "posted", _("已张贴核酸检测贴")


class UnmatchedReason(models.TextChoices):
    UNKNOWN_BARCODE = "unknown_barcode", _("条码不存在")
    NOT_SAMPLED = "not_sampled", _("试管未采样")


class UploadStatus(models.TextChoices):
    """A lab result file's run: queued → running → applied, refused (nothing written) or failed."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    SUCCEEDED = "succeeded", _("已完成")
    REFUSED = "refused", _("已退回（未写入）")
    FAILED = "failed", _("失败（未写入）")


UPLOAD_FINISHED = (UploadStatus.SUCCEEDED, UploadStatus.REFUSED, UploadStatus.FAILED)
