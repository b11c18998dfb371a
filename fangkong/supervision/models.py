"""督导: inspection teams, the places assigned to them, the checklists and rounds per kind of place
(data), the inspections recorded on a phone, their findings, and the rectification (整改) each
finding becomes — owner, deadline, evidence of the fix, verification by the inspector.

Every row that lies in a place carries the place's district, street and community ids, so an
office's jurisdiction is one indexed filter (fangkong.core.scoping)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.filestore import private_storage
from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from .choices import Answer, PlaceKind, RectificationStatus

PLACE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id"}


class InspectionTeam(TimeStampedModel):
    """A supervision team (督导组): its members are users holding supervision.inspect."""

    name = models.CharField(_("督导组名称"), max_length=100)
    district = cached_fk("geo.District", _("区县"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="inspection_teams", verbose_name=_("成员"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = {"district": "district_id"}

    class Meta:
        ordering = ["district_id", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="supervision_team_unique_name")]
        verbose_name = _("督导组")

    def __str__(self) -> str:
        return self.name


class Assignment(TimeStampedModel):
    """A place a team inspects from `starts_on` (until `ends_on`, inclusive, when set). The place is
    named by kind and id (a risk area, an isolation site, a sampling point, a checkpoint); its name and
    places are copied when assigned (fangkong.supervision.places)."""

    team = models.ForeignKey(InspectionTeam, on_delete=models.CASCADE, related_name="assignments")
    place_kind = models.CharField(_("点位类型"), max_length=24, choices=PlaceKind.choices)
    place_id = models.BigIntegerField(_("点位编号"))
    place_name = models.CharField(_("点位"), max_length=200)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"), null=True)
    community = cached_fk("geo.Community", _("社区"), null=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["team_id", "place_kind", "place_name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "place_kind", "place_id", "starts_on"], name="supervision_assignment_unique"),
        ]
        indexes = [models.Index(fields=["place_kind", "place_id"], name="supervision_assignment_place")]
        verbose_name = _("督导点位")

    def __str__(self) -> str:
        return f"{self.get_place_kind_display()} · {self.place_name}"

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class ChecklistItem(models.Model):
    """One item of the checklist of a kind of place (data: seeded by 0002_supervision_checklists)."""

    place_kind = models.CharField(_("点位类型"), max_length=24, choices=PlaceKind.choices)
    code = models.CharField(_("编号"), max_length=32)
    text = models.CharField(_("检查内容"), max_length=200)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["place_kind", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["place_kind", "code"], name="supervision_item_unique_code")]
        verbose_name = _("检查项")

    def __str__(self) -> str:
        return self.text


class RoundRule(models.Model):
    """How many rounds a day a kind of place is inspected (seed 002: 一天3轮 for sealed and controlled
    compounds). The day is cut into that many equal windows (Beijing time); a window that has ended
    with no inspection of the place is a missing round."""

    place_kind = models.CharField(_("点位类型"), max_length=24, choices=PlaceKind.choices, unique=True)
    rounds_per_day = models.PositiveSmallIntegerField(_("每日轮次"))
    citation = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("督导轮次规则")

    def __str__(self) -> str:
        return f"{self.get_place_kind_display()}: {self.rounds_per_day}"


class Inspection(models.Model):
    """One inspection of an assigned place by a team member, with its checklist answers."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField(_("检查时间"))
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"), null=True)
    community = cached_fk("geo.Community", _("社区"), null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["-inspected_at", "-id"]
        indexes = [models.Index(fields=["assignment", "inspected_at"], name="supervision_inspection_at")]
        verbose_name = _("督导检查")

    def __str__(self) -> str:
        return f"{self.assignment.place_name} {self.inspected_at:%Y-%m-%d %H:%M}"


class ChecklistAnswer(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("结果"), max_length=8, choices=Answer.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="supervision_answer_unique")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.answer}"


class Rectification(TimeStampedModel):
    """A finding of an inspection (问题, with its photo) and its rectification (整改): the owner unit
    and person, the deadline, the evidence of the fix (text and photo) and the inspector's
    verification. Closed on time when the fix that was verified was given by the deadline."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="rectifications")
    item = models.ForeignKey(ChecklistItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    finding = models.CharField(_("发现问题"), max_length=500)
    finding_photo = models.FileField(_("问题照片"), storage=private_storage, upload_to="supervision/findings/%Y/%m/", blank=True)
    finding_photo_type = models.CharField(max_length=32, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN)
    owner_unit = models.CharField(_("责任单位"), max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rectifications", verbose_name=_("责任人"))
    deadline = models.DateTimeField(_("整改时限"))
    evidence = models.TextField(_("整改情况"), blank=True)
    evidence_photo = models.FileField(_("整改照片"), storage=private_storage, upload_to="supervision/evidence/%Y/%m/", blank=True)
    evidence_photo_type = models.CharField(max_length=32, blank=True)
    fixed_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    fixed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verification_note = models.CharField(_("验证意见"), max_length=300, blank=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"), null=True)
    community = cached_fk("geo.Community", _("社区"), null=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["status", "deadline"], name="supervision_rect_due"),
            models.Index(fields=["owner", "status"], name="supervision_rect_owner"),
        ]
        verbose_name = _("整改")

    def __str__(self) -> str:
        return self.finding[:40]

    @property
    def closed_on_time(self) -> bool | None:
        if self.status != RectificationStatus.VERIFIED or self.fixed_at is None:
            return None
        return self.fixed_at <= self.deadline
