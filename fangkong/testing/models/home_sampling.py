"""Sampling at home: 上门单采 after a pool-positive or invalid tube, 上门采样 in a high-risk area."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.geo.models import PersonPlaces, cached_fk
from fangkong.policy.models import citation_column, cited_text
from fangkong.zoning.choices import AreaClass

from ..choices import PoolingMode, ResamplingReason, ResamplingStatus
from ..querysets import TestingQuerySet
from .rounds import TestingRound
from .tubes import Tube


class ResamplingTask(PersonPlaces, TimeStampedModel):
    """上门单采: sample this person alone, at home (after a pool-positive or invalid tube, or bedridden)."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="resampling_tasks")
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    origin_tube = models.ForeignKey(Tube, null=True, blank=True, on_delete=models.PROTECT, related_name="resampling_tasks")
    reason = models.CharField(_("原因"), max_length=16, choices=ResamplingReason.choices)
    status = models.CharField(_("状态"), max_length=16, choices=ResamplingStatus.choices, default=ResamplingStatus.OPEN)
    resample_tube = models.ForeignKey(Tube, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sampled_at = models.DateTimeField(_("采样时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    closing_note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["grid_id", "household_id", "id"]
        indexes = [models.Index(fields=["round", "grid", "status"], name="testing_task_grid")]
        verbose_name = _("上门单采任务")

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_reason_display()}"


class DoorSamplingTask(PersonPlaces, TimeStampedModel):
    """上门采样: a household of a high-risk area in force (足不出户、上门服务) sampled at its door in the
    round, with the pooling the policy sets for the area (single tubes, or one tube for the household).
    Done when every resident is bound to a tube of the round — read from the tubes, by whichever path
    they were bound (fangkong.testing.selectors.door_sampling), never stored twice."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="door_tasks")
    building = cached_fk("geo.Building", _("楼栋"))
    unit = cached_fk("geo.Unit", _("单元"))
    area = models.ForeignKey("zoning.RiskArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("风险区域"))
    area_class = models.CharField(_("区域类别"), max_length=16, choices=AreaClass.choices)
    pooling_mode = models.CharField(_("采样方式"), max_length=16, choices=PoolingMode.choices)
    pooling_citation = citation_column(_("采样方式依据"))  # the text: pooling_rule
    residents = models.PositiveSmallIntegerField(_("计划时户内人数"), default=0)

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["grid_id", "building_id", "unit_id", "household_id"]
        constraints = [models.UniqueConstraint(fields=["round", "household"], name="testing_door_task_once")]
        indexes = [models.Index(fields=["round", "grid"], name="testing_door_task_grid")]
        verbose_name = _("上门采样任务")

    def __str__(self) -> str:
        return f"{self.round_id}:{self.household_id}"

    pooling_rule = cited_text("pooling_citation", "The rule that set the household's pooling, cited in full.")
