"""A testing round (轮次) and the places in its scope, each with its pooling."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.policy.models import citation_column, cited_text
from fangkong.zoning.choices import AreaClass

from ..choices import PoolingMode, RoundStatus, ScopeLevel
from ..querysets import RoundQuerySet


class TestingRound(TimeStampedModel):
    """第 N 轮核酸检测: a scope, a start, a deadline and the pooling of each covered area."""

    number = models.PositiveIntegerField(_("轮次"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.PLANNED)
    starts_at = models.DateTimeField(_("开始时间"))
    deadline_at = models.DateTimeField(_("完成时限"))
    deadline_citation = citation_column(_("时限依据"))  # the text: deadline_rule
    result_deadline_hours = models.PositiveIntegerField(_("出结果时限（小时）"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("核酸检测轮次")

    def __str__(self) -> str:
        return self.name or f"第{self.number}轮"

    deadline_rule = cited_text("deadline_citation", "The rule that set the result deadline (or 手工设定), cited in full.")


class RoundAreaManager(models.Manager):
    """A round's areas are read a handful at a time and shown with the rule of their pooling: always
    with their citation (the related manager `round.areas` and its prefetch too)."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("pooling_citation")


class RoundArea(models.Model):
    """One place in a round's scope, with its area class and the pooling the policy sets for it."""

    round = models.ForeignKey(TestingRound, on_delete=models.CASCADE, related_name="areas")
    level = models.CharField(_("层级"), max_length=16, choices=ScopeLevel.choices)
    place_id = models.BigIntegerField(_("区域编号"), null=True, blank=True)
    place_name = models.CharField(_("区域"), max_length=100)
    area_class = models.CharField(_("区域类别"), max_length=16, choices=AreaClass.choices, default=AreaClass.PRECAUTION)
    pooling_mode = models.CharField(_("采样方式"), max_length=16, choices=PoolingMode.choices)
    pooling_citation = citation_column(_("采样方式依据"))  # the text: pooling_rule

    objects = RoundAreaManager()

    class Meta:
        ordering = ["round_id", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "level", "place_id"], name="testing_round_area_unique")]

    def __str__(self) -> str:
        return f"{self.place_name} {self.get_pooling_mode_display()}"

    pooling_rule = cited_text("pooling_citation", "The rule that set the area's pooling, cited in full.")

    @property
    def place_label(self) -> str:
        """The place's name in the active language: the city's is a word (全市), not a stored name."""
        return str(ScopeLevel.CITY.label) if self.level == ScopeLevel.CITY else self.place_name
