"""Tubes and the people sampled into them: two of the three tables a round fills by the million
(no database foreign-key constraints: decision 0002)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.geo.models import PersonPlaces, cached_fk
from fangkong.results.choices import Result

from ..choices import PoolingMode, TubeStatus
from ..querysets import TestingQuerySet, TubeQuerySet
from .laboratories import LAB_GRANT, Laboratory
from .points import SamplingPoint
from .rounds import TestingRound


class Tube(models.Model):
    """A sample tube. Its barcode is unique in the round; one result per tube is current."""

    # No index of its own for the round: (round, barcode) leads with it.
    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="tubes", db_constraint=False, db_index=False)
    barcode = models.CharField(_("条码"), max_length=40)
    sampling_point = models.ForeignKey(SamplingPoint, on_delete=models.PROTECT, related_name="tubes", db_constraint=False)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    pooling_mode = models.CharField(_("采样方式"), max_length=16, choices=PoolingMode.choices)
    capacity = models.PositiveSmallIntegerField(_("容量"))
    member_count = models.PositiveSmallIntegerField(_("已采人数"), default=0)
    is_resample = models.BooleanField(_("上门单采"), default=False)
    status = models.CharField(_("状态"), max_length=16, choices=TubeStatus.choices, default=TubeStatus.OPEN)
    opened_at = models.DateTimeField(_("开管时间"))
    sampled_at = models.DateTimeField(_("采样时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("封管时间"), null=True, blank=True)
    deadline_at = models.DateTimeField(_("出结果时限"), null=True, blank=True)
    # (laboratory, round) leads with the laboratory: no index of its own.
    laboratory = models.ForeignKey(
        Laboratory, null=True, blank=True, on_delete=models.PROTECT, related_name="tubes", db_constraint=False, db_index=False
    )
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    resulted_at = models.DateTimeField(_("出结果时间"), null=True, blank=True)
    result = models.CharField(_("结果"), max_length=16, choices=Result.choices, blank=True)

    objects = TubeQuerySet.as_manager()
    scope_paths = {"district": "district_id", "street": "street_id", "community": "community_id", LAB_GRANT: "laboratory_id"}

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "barcode"], name="testing_tube_barcode_unique")]
        indexes = [
            models.Index(fields=["round", "community"], name="testing_tube_round_comm"),
            models.Index(fields=["laboratory", "round"], name="testing_tube_lab_round"),
            # Tubes still waiting for a result, by deadline (overdue lists). Partial: a result leaves
            # it, so the lab's 320,000 result updates of a round add no entries here.
            models.Index(fields=["round", "deadline_at"], condition=Q(resulted_at__isnull=True), name="testing_tube_pending_due"),
        ]
        verbose_name = _("试管")

    def __str__(self) -> str:
        return self.barcode


class TubeMember(PersonPlaces):
    """One person sampled into one tube. A person is sampled once per round (re-tests aside)."""

    round = models.ForeignKey(TestingRound, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    tube = models.ForeignKey(Tube, on_delete=models.CASCADE, related_name="members", db_constraint=False)
    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    building = cached_fk("geo.Building", _("楼栋"))
    unit = cached_fk("geo.Unit", _("单元"))
    is_resample = models.BooleanField(_("上门单采"), default=False)
    sampled_at = models.DateTimeField(_("采样时间"))

    objects = TestingQuerySet.as_manager()

    class Meta:
        ordering = ["tube_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "round"], condition=Q(is_resample=False), name="testing_member_once_per_round"),
        ]
        indexes = [
            models.Index(fields=["round", "community"], name="testing_member_round_comm"),
            models.Index(fields=["round", "grid"], name="testing_member_round_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.tube_id}:{self.person_id}"
