"""Departure applications (a resident's own included) and the departures approved travellers leave on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.models import cached_fk

from ..choices import ApplicationStatus, SelfApplicationStatus, TravelMode
from .scope import PLACE_SCOPE


class Departure(TimeStampedModel):
    """A coach or a flight (一车、一机) approved travellers leave on, with its passenger list."""

    mode = models.CharField(_("方式"), max_length=8, choices=TravelMode.choices)
    label = models.CharField(_("班次"), max_length=60)  # a coach's plate, a flight number
    destination = models.CharField(_("目的地"), max_length=120)
    departs_at = models.DateTimeField(_("出发时间"))
    capacity = models.PositiveSmallIntegerField(_("座位数"))
    receiver = models.ForeignKey(
        "ReceivingUnit", verbose_name=_("接收单位（通知对象）"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["departs_at", "id"]
        verbose_name = _("离开班次")

    def __str__(self) -> str:
        return f"{self.label} → {self.destination}"


class DepartureApplication(TimeStampedModel):
    """A resident's request to leave the city (有序离呼), decided by the active policy's rules; the
    decision keeps each rule met or not, with its citation, for the person and the supervisor."""

    person = models.ForeignKey("geo.Person", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("方式"), max_length=8, choices=TravelMode.choices)
    destination = models.CharField(_("目的地"), max_length=120)
    travel_date = models.DateField(_("出行日期"))
    status = models.CharField(_("状态"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED)
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision = models.JSONField(_("审核依据"), default=list, blank=True)  # [{"rule", "met", "text", "citation"}]
    profile_code = models.CharField(_("政策版本"), max_length=48, blank=True)
    departure = models.ForeignKey(Departure, null=True, blank=True, on_delete=models.SET_NULL, related_name="passengers")
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    grid = cached_fk("geo.Grid", _("网格"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = {**PLACE_SCOPE, "grid": "grid_id"}

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "travel_date"], name="movement_app_status"),
            models.Index(fields=["community", "status"], name="movement_app_community"),
            models.Index(fields=["district", "status"], name="movement_app_district"),
            models.Index(fields=["person", "status"], name="movement_app_person"),
        ]
        verbose_name = _("离开申请")

    @property
    def unmet(self) -> list[dict]:
        return [d for d in self.decision if not d.get("met")]


class SelfApplication(models.Model):
    """A resident's own application from their phone (居民自助申请), as they typed it: nothing is looked
    up when it arrives (the page answers the same whoever the number belongs to), the ID number and
    phone sealed, hashed and masked like a resident's. It lands with the chosen community, whose
    worker confirms it against the registry — then it is filed and decided as a departure
    application — or turns it down with the reason."""

    name = models.CharField(_("姓名"), max_length=64)
    id_cipher = models.TextField()
    id_hash = models.CharField(max_length=32)
    id_masked = models.CharField(_("证件号码"), max_length=24)
    phone_cipher = models.TextField()
    phone_masked = models.CharField(_("手机号"), max_length=20)
    mode = models.CharField(_("方式"), max_length=8, choices=TravelMode.choices)
    destination = models.CharField(_("目的地"), max_length=120)
    travel_date = models.DateField(_("出行日期"))
    status = models.CharField(_("状态"), max_length=12, choices=SelfApplicationStatus.choices, default=SelfApplicationStatus.PENDING)
    reject_reason = models.CharField(_("未通过原因"), max_length=200, blank=True)
    application = models.ForeignKey(DepartureApplication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACE_SCOPE

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["community", "status"], name="movement_selfapp_community")]
        constraints = [
            # One waiting per number and community: one per number let a stranger's application in
            # another community silently drop the resident's own (no one could ever confirm it).
            models.UniqueConstraint(
                fields=["id_hash", "community"], condition=models.Q(status="pending"), name="movement_selfapp_one_pending_per_community"
            )
        ]
        verbose_name = _("居民自助离开申请")

    def __str__(self) -> str:
        return f"{self.id_masked} {self.travel_date}"
