"""A flag the system raises itself (系统预警): a rule of 监督执纪 found its condition at a place — a step
of the loop late there (履职不力) or control beyond the policy (层层加码、一刀切) — with the items that
show it. A flag stays open while the condition holds and is cleared, never deleted, when it ends, so
who was flagged for what and for how long is kept for accountability (跟踪问效).

One open flag per (rule, subject): `subject` names what the rule looks at ("community:12",
"area:5", "compound:9", "community:12:2026-12-07"); raising again is a no-op (a partial unique
constraint), a later raise after clearing is a new flag."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk
from fangkong.policy.models import citation_column, cited_text

from .choices import FlagKind, FlagRuleCode, FlagState

PLACE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id"}


class FlagQuerySet(ScopedQuerySet):
    def open(self) -> FlagQuerySet:
        return self.filter(cleared_at__isnull=True)

    def cleared(self) -> FlagQuerySet:
        return self.filter(cleared_at__isnull=False)


class Flag(models.Model):
    rule = models.CharField(_("规则"), max_length=48, choices=FlagRuleCode.choices)
    kind = models.CharField(_("类别"), max_length=8, choices=FlagKind.choices)
    subject = models.CharField(_("对象"), max_length=64)
    title = models.CharField(_("问题"), max_length=200)
    # The unit responsible by jurisdiction: the lowest place the items lie in, with its ancestors.
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    place_name = models.CharField(_("责任单位"), max_length=200, blank=True)
    raised_at = models.DateTimeField(_("发现时间"))
    seen_at = models.DateTimeField(_("最近核查时间"))
    cleared_at = models.DateTimeField(_("消除时间"), null=True, blank=True)
    # The items: [{"ref": "cases.transfer", "id": 42, "text": "病例 #17 · 时限 12-07 23:59"}] — ids and
    # words without personal details; `item_count` is their number, `citation` the rule's 依据.
    evidence = models.JSONField(_("证据"), default=list)
    item_count = models.PositiveIntegerField(_("事项数"), default=0)
    # A hash of the evidence as last written (flags.services.evaluation): a run compares its findings
    # with it instead of reading every open flag's items back; empty until the flag is next refreshed.
    evidence_digest = models.CharField(_("证据摘要"), max_length=40, blank=True, editable=False)
    rule_citation = citation_column(_("依据"))  # the text: citation

    objects = FlagQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "subject"], condition=Q(cleared_at__isnull=True), name="flags_flag_open_once"),
        ]
        indexes = [
            models.Index(fields=["cleared_at", "rule"], name="flags_flag_state_rule"),
            models.Index(fields=["district", "raised_at"], name="flags_flag_district"),
        ]
        verbose_name = _("系统预警")

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"

    citation = cited_text("rule_citation", "The rule's 依据 (its policy keys' citations and the supervision text), cited in full.")

    @property
    def state(self) -> str:
        return FlagState.OPEN if self.cleared_at is None else FlagState.CLEARED


class FlagWatermark(models.Model):
    """When a rule was last evaluated over the whole city, and last at all (incremental runs look
    only at what changed since `evaluated_at`)."""

    rule = models.CharField(_("规则"), max_length=48, unique=True)
    full_at = models.DateTimeField(_("上次全量评估"), null=True, blank=True)
    evaluated_at = models.DateTimeField(_("上次评估"), null=True, blank=True)
    position = models.BigIntegerField(_("已读到的行号"), null=True, blank=True)  # a rule that reads new rows by id
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    def __str__(self) -> str:
        return self.rule
