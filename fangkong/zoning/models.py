"""Risk areas (风险区域): a set of registry places under one class from a time until it is lifted.

An area is declared (proposed by a district, approved by the command: the 严管 module) and is in
force from `in_force_at` until `lifted_at`. "Was this place under control at time T" is answered
from the areas in force at T (fangkong.zoning.selectors), for where a positive was found, for a
testing round's pooling, and for the public list.

Each place of an area carries its ancestors' ids, so a person's places match in memory and a
district's areas are one indexed filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk
from fangkong.policy.models import citation_column, cited_text

from .choices import AreaClass, AreaStatus, CadreRank, DutyRole, PlaceLevel

PLACE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id"}


class RiskArea(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=200)
    area_class = models.CharField(_("区域类别"), max_length=16, choices=AreaClass.choices)
    status = models.CharField(_("状态"), max_length=16, choices=AreaStatus.choices, default=AreaStatus.PROPOSED)
    reason = models.TextField(_("划定理由"), blank=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    in_force_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_reason = models.CharField(_("解除理由"), max_length=300, blank=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The 严管 flow: what the district asked for, what the command decided, and the policy it was under.
    effective_at = models.DateTimeField(_("申请生效时间"), null=True, blank=True)
    justification = models.TextField(_("扩大范围的理由"), blank=True)
    wider_than_policy = models.BooleanField(_("超出政策划定单位"), default=False)  # flagged for supervision
    profile_code = models.CharField(_("政策版本"), max_length=48, blank=True)
    level_since = models.DateTimeField(_("当前等级起始时间"), null=True, blank=True)  # a 9th-edition high → medium restarts here
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.CharField(_("审批意见"), max_length=300, blank=True)
    lift_proposed_at = models.DateTimeField(_("系统提示解除时间"), null=True, blank=True)
    # The day the lifting rule was met, as the review found it when it marked the area (lift_proposed_at):
    # 长时间不解封 counts from it, and it stays put while the residents keep testing negative
    # (lifting._due_on).
    lift_due_on = models.DateField(_("达到解除条件日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-in_force_at", "-id"]
        indexes = [
            models.Index(fields=["status", "in_force_at"], name="zoning_area_status"),
            models.Index(fields=["wider_than_policy", "status"], name="zoning_area_wider"),
        ]
        verbose_name = _("风险区域")

    def __str__(self) -> str:
        return self.name


class LiftFigures(models.Model):
    """An area's lifting figures as the last lifting review found them (lifting.lifting_statuses):
    what its clock needs besides the calendar — residents, the latest own positive among them, the
    latest negative, and who is still awaited or unsampled in its screening. The board, the area
    list, the figures and the flags read these (`stored=True`) instead of evaluating every area on
    each drawing; the review (every few minutes) rewrites them. An area without fresh figures (just
    approved, changed level, or the review not run lately) is evaluated live."""

    area = models.OneToOneField(RiskArea, on_delete=models.CASCADE, primary_key=True, related_name="lift_figures", db_constraint=False)
    evaluated_at = models.DateTimeField(_("评估时间"))
    residents = models.PositiveIntegerField(_("居住人数"), default=0)
    last_positive_at = models.DateTimeField(_("最近阳性采样时间"), null=True, blank=True)
    last_negative_at = models.DateTimeField(_("最近阴性采样时间"), null=True, blank=True)
    awaited = models.PositiveIntegerField(_("待出结果人数"), default=0)
    unsampled = models.PositiveIntegerField(_("未采样人数"), default=0)

    class Meta:
        verbose_name = _("解除评估结果")

    def __str__(self) -> str:
        return f"{self.area_id} @ {self.evaluated_at:%Y-%m-%d %H:%M}"


class AreaResident(models.Model):
    """A person living in an area in force (decision 0011): the (area, resident) pairs the lifting
    review reads instead of deriving them from the registry on every run. Kept by the database
    itself — triggers on the people, households, areas and their places (migration 0006) — so every
    writer of residency (the registry's services, the importer's COPY, the demo city, a data fix)
    keeps it current in the same transaction. Derived data: never written by the application."""

    area = models.ForeignKey(RiskArea, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False)
    person_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "person_id"], name="zoning_area_resident_unique")]
        indexes = [models.Index(fields=["person_id"], name="zoning_area_resident_person")]

    def __str__(self) -> str:
        return f"{self.area_id}: {self.person_id}"


class RiskAreaPlace(models.Model):
    """One registry place of an area (a unit, a building, a compound … or, justified, a community)."""

    area = models.ForeignKey(RiskArea, on_delete=models.CASCADE, related_name="places")
    level = models.CharField(_("层级"), max_length=16, choices=PlaceLevel.choices)
    place_id = models.BigIntegerField(_("区域编号"))
    name = models.CharField(_("名称"), max_length=200)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["area_id", "id"]
        constraints = [models.UniqueConstraint(fields=["area", "level", "place_id"], name="zoning_area_place_unique")]
        indexes = [models.Index(fields=["level", "place_id"], name="zoning_place_lookup")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.name}"


class RiskAreaCase(models.Model):
    """A case that triggered the declaration (linked from 快转 by id: zoning sits below cases)."""

    area = models.ForeignKey(RiskArea, on_delete=models.CASCADE, related_name="trigger_cases")
    case_id = models.BigIntegerField(_("病例编号"))

    class Meta:
        ordering = ["area_id", "case_id"]
        constraints = [models.UniqueConstraint(fields=["area", "case_id"], name="zoning_area_case_unique")]

    def __str__(self) -> str:
        return f"#{self.case_id}"


class RiskAreaTransition(models.Model):
    """One step of an area's life (proposed, in force, downgraded, lifted, rejected): who, why, and
    the rule it rests on (依据). The audit log holds the same event; this is what the area page shows."""

    area = models.ForeignKey(RiskArea, on_delete=models.CASCADE, related_name="transitions")
    at = models.DateTimeField(_("时间"))
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16)
    area_class = models.CharField(_("区域类别"), max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    citation = citation_column(_("依据"))  # the text: basis

    class Meta:
        ordering = ["area_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    basis = cited_text("citation", "The rule (or rules, one a line) the step rests on, cited in full; '' for none.")


# ---- 4+N duty: who is on duty at a compound under control, shift by shift ----


class DutyPost(TimeStampedModel):
    """A named person on a compound's 4+N roster (1 volunteer, 1 包联干部, 1 security guard, 1 police
    officer or militia, N others), with their phone — sealed, with a keyed hash and a masked form like a
    resident's — and, for checking in from a phone, their platform account. A cadre assigned to a sealed
    area (处级领导包联封控区) is a post of role cadre with a rank and the area."""

    compound = models.ForeignKey("geo.Compound", on_delete=models.PROTECT, related_name="+")
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    role = models.CharField(_("岗位"), max_length=24, choices=DutyRole.choices)
    name = models.CharField(_("姓名"), max_length=64)
    phone_cipher = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=32, blank=True)
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True)
    rank = models.CharField(_("职级"), max_length=16, choices=CadreRank.choices, blank=True)
    area = models.ForeignKey(
        RiskArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="duty_posts", verbose_name=_("包联区域")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("平台账号")
    )
    # Taken off the roster: kept (its ended shifts are the record of who was on duty), listed no more.
    removed_at = models.DateTimeField(_("移出时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["compound_id", "role", "id"]
        indexes = [
            models.Index(fields=["compound", "role"], name="zoning_duty_post_compound"),
            models.Index(fields=["phone_hash"], name="zoning_duty_post_phone"),
        ]
        verbose_name = _("值守人员")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"


class DutyShift(models.Model):
    """One shift of a post, from `starts_at` to `ends_at` (UTC), and when its person checked in."""

    post = models.ForeignKey(DutyPost, on_delete=models.CASCADE, related_name="shifts")
    compound = models.ForeignKey("geo.Compound", on_delete=models.PROTECT, related_name="+", db_index=False)  # indexed below
    role = models.CharField(_("岗位"), max_length=24, choices=DutyRole.choices)  # the post's, for coverage in one query
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["compound", "ends_at"], name="zoning_duty_shift_compound"),
            models.Index(fields=["post", "starts_at"], name="zoning_duty_shift_post"),
        ]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="zoning_duty_shift_order")]
        verbose_name = _("值守班次")

    def __str__(self) -> str:
        return f"{self.post_id} {self.starts_at:%Y-%m-%d %H:%M}"
