"""Volunteers and the work they do (SPEC.md §7, seed 001): who applied and was approved, the
organisations and teams they serve in, the service points tied to registry places, the needs a
coordinator publishes per point and day, the shifts volunteers sign up for or are given (with their
check-in, check-out and minutes served), the vehicles, trips and disinfection the totals add up, and
the people who serve besides volunteers (报到党员, 包联干部, 下沉政法干警), each assigned to a place for a
period.

A volunteer's ID number and phone are kept like a registered person's (fangkong.geo.Person): AES-GCM
ciphertext, a keyed hash for exact look-up, a masked form for display. Rows carry the district,
street and community they belong to (a volunteer's residence, a point's place), so scoping and the
totals are one indexed filter.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel
from fangkong.core.scoping import ScopedQuerySet
from fangkong.geo.choices import IdType
from fangkong.geo.models import cached_fk

from .choices import (
    AssignmentStatus,
    Availability,
    DeploymentKind,
    DisinfectionKind,
    OrganisationKind,
    PointKind,
    VehicleKind,
    VolunteerStatus,
)
from .permissions import ORGANISATION_GRANT

PLACES = {"district": "district_id", "street": "street_id", "community": "community_id"}
SCOPE = {**PLACES, ORGANISATION_GRANT: "organisation_id"}


class Organisation(TimeStampedModel):
    """An organisation volunteers serve in: the 共青团 emergency team, a company, a community. One
    without a district serves the whole city."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=OrganisationKind.choices, default=OrganisationKind.OTHER)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {**PLACES, ORGANISATION_GRANT: "id"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("志愿服务组织")

    def __str__(self) -> str:
        return self.name


class Volunteer(TimeStampedModel):
    name = models.CharField(_("姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_cipher = models.TextField()
    id_hash = models.CharField(max_length=32)
    id_masked = models.CharField(_("证件号码"), max_length=24)
    phone_cipher = models.TextField()
    phone_hash = models.CharField(max_length=32)
    phone_masked = models.CharField(_("手机号"), max_length=20)
    district = cached_fk("geo.District", _("居住区县"))
    street = cached_fk("geo.Street", _("居住街道"))
    community = cached_fk("geo.Community", _("居住社区"))
    skills = models.CharField(_("技能"), max_length=200, blank=True)  # Skill codes, comma-separated
    availability = models.CharField(_("可服务时间"), max_length=16, choices=Availability.choices, default=Availability.ANY)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="volunteers")
    team = models.ForeignKey("Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    status = models.CharField(_("状态"), max_length=16, choices=VolunteerStatus.choices, default=VolunteerStatus.APPLIED)
    source = models.CharField(_("来源"), max_length=16, default="web")  # web | import
    # The registered resident the coordinator matched by ID number (None: not found in the registry).
    person = models.ForeignKey("geo.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    field_work = models.BooleanField(_("可从事一线工作"), default=False)
    decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    link_nonce = models.CharField(max_length=32, blank=True)  # the personal link's secret part; rotated to revoke it

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("志愿者")
        constraints = [models.UniqueConstraint(fields=["id_hash"], name="volunteer_unique_id_hash")]
        indexes = [
            models.Index(fields=["status", "district"], name="volunteer_status_district"),
            models.Index(fields=["organisation", "status"], name="volunteer_org_status"),
            models.Index(fields=["approved_at"], name="volunteer_approved_at"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"

    @property
    def skill_codes(self) -> list[str]:
        return [s for s in self.skills.split(",") if s]


class Team(TimeStampedModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(_("名称"), max_length=100)
    leader = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("队长"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = {
        "district": "organisation__district_id",
        "street": "organisation__street_id",
        "community": "organisation__community_id",
        ORGANISATION_GRANT: "organisation_id",
    }

    class Meta:
        ordering = ["organisation_id", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")]
        verbose_name = _("志愿服务队")

    def __str__(self) -> str:
        return self.name


class ServicePoint(TimeStampedModel):
    """Where volunteers serve: a sampling point, a community gate, a warehouse, a Fangcang under
    construction — at a registry place (a community, perhaps a compound)."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=PointKind.choices, default=PointKind.SAMPLING)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="points")
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    compound = cached_fk("geo.Compound", _("小区"))
    active = models.BooleanField(_("启用"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE

    class Meta:
        ordering = ["district_id", "name", "id"]
        verbose_name = _("服务点")

    def __str__(self) -> str:
        return self.name


class TaskType(models.Model):
    """A kind of work (核酸检测, 方舱建设 …): data, so a city adds its own. `field_work`: done in the
    field, among residents — refused to a volunteer under isolation, a case or in a high-risk area."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    field_work = models.BooleanField(_("一线工作"), default=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("任务类型")

    def __str__(self) -> str:
        return self.name


class Need(TimeStampedModel):
    """What a point needs on a day: so many volunteers, with a skill perhaps, for these hours."""

    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="needs")
    task_type = models.ForeignKey(TaskType, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    headcount = models.PositiveIntegerField(_("需要人数"))
    skill = models.CharField(_("技能要求"), max_length=16, blank=True)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["point", "starts_at"], name="need_point_start"),
            models.Index(fields=["starts_at"], name="need_start"),
        ]
        verbose_name = _("用人需求")

    def __str__(self) -> str:
        return f"{self.point} · {self.task_type}"


class Assignment(models.Model):
    """A volunteer on a need's shift: signed up or assigned, checked in and out on their phone by the
    point's QR code, the minutes served; a no-show when nobody came. The shift's times, place and
    organisation are copied from the need, so overlap checks and totals read one table."""

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="assignments")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="assignments")
    status = models.CharField(_("状态"), max_length=16, choices=AssignmentStatus.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("服务时长（分钟）"), default=0)
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="+", db_index=False)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["need", "volunteer"], name="assignment_unique_volunteer")]
        indexes = [
            models.Index(fields=["volunteer", "starts_at"], name="assignment_volunteer_start"),
            models.Index(fields=["starts_at", "district"], name="assignment_start_district"),
        ]
        verbose_name = _("班次")

    def __str__(self) -> str:
        return f"{self.need} #{self.pk}"


class Vehicle(TimeStampedModel):
    plate = models.CharField(_("车牌号"), max_length=16, unique=True)
    kind = models.CharField(_("车型"), max_length=16, choices=VehicleKind.choices, default=VehicleKind.VAN)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="vehicles")
    driver = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("驾驶员"))
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE

    class Meta:
        ordering = ["plate"]
        verbose_name = _("车辆")

    def __str__(self) -> str:
        return self.plate


class Trip(models.Model):
    """One vehicle-time (台次): a vehicle out for a purpose, with its kilometres."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="trips")
    started_at = models.DateTimeField(_("出车时间"))
    task_type = models.ForeignKey(TaskType, on_delete=models.PROTECT, related_name="+", verbose_name=_("用途"))
    kilometres = models.DecimalField(_("行驶里程（公里）"), max_digits=8, decimal_places=1)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["started_at", "district"], name="trip_start_district")]
        constraints = [models.CheckConstraint(condition=models.Q(kilometres__gte=0), name="trip_kilometres_not_negative")]
        verbose_name = _("出车记录")

    def __str__(self) -> str:
        return f"{self.vehicle} {self.started_at:%Y-%m-%d}"


class Disinfection(models.Model):
    """Terminal disinfection of a place where a positive lived or worked (linked to the case), or
    community environment disinfection measured in square metres."""

    kind = models.CharField(_("类型"), max_length=16, choices=DisinfectionKind.choices)
    done_at = models.DateTimeField(_("消杀时间"))
    place = models.CharField(_("场所"), max_length=200)
    case_id = models.BigIntegerField(_("关联病例"), null=True, blank=True)  # fangkong.cases.Case, read through its selectors
    square_metres = models.PositiveIntegerField(_("消杀面积（平方米）"), default=0)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", db_index=False)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE

    class Meta:
        ordering = ["-done_at", "-id"]
        indexes = [models.Index(fields=["done_at", "district"], name="disinfection_done_district")]
        verbose_name = _("消杀记录")

    def __str__(self) -> str:
        return self.place


class Deployment(TimeStampedModel):
    """A person sent to serve at a place for a period (seeds 002, 004): a party member reporting to a
    community (报到党员: to the community their unit is paired with, or where they live), a cadre
    assigned to a sealed area (包联干部), a police officer sent to the grassroots (下沉政法干警). The
    phone is sealed like a resident's. Put on a compound's 4+N roster, the post it became is kept."""

    kind = models.CharField(_("类别"), max_length=16, choices=DeploymentKind.choices)
    name = models.CharField(_("姓名"), max_length=64)
    phone_cipher = models.TextField()
    phone_hash = models.CharField(max_length=32)
    phone_masked = models.CharField(_("电话"), max_length=20)
    work_unit = models.CharField(_("派出单位"), max_length=100)
    rank = models.CharField(_("职级"), max_length=16, blank=True)  # fangkong.zoning.choices.CadreRank, cadres only
    at_residence = models.BooleanField(_("在居住地小区报到"), default=False)
    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    compound = cached_fk("geo.Compound", _("小区"))
    area_id = models.BigIntegerField(_("包联区域"), null=True, blank=True)  # fangkong.zoning.RiskArea, read through its selectors
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)  # None: until recalled
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("平台账号")
    )
    duty_post_id = models.BigIntegerField(null=True, blank=True)  # the 4+N post it became (fangkong.zoning.DutyPost)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_paths = PLACES

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["starts_on", "district"], name="deployment_start_district"),
            models.Index(fields=["phone_hash"], name="deployment_phone"),
            models.Index(fields=["community", "kind"], name="deployment_community_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")), name="deployment_period_order"
            )
        ]
        verbose_name = _("下沉人员")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class DayTotal(models.Model):
    """The totals' daily roll-up (decision 0016): per Beijing day, service point (0: trips and
    disinfection), organisation, district, street and community (0: none), what the totals add up.
    Kept by the database — triggers on shifts, trips and disinfection (migration volunteers 0004) —
    inside the writer's transaction; derived, so `manage.py volunteer_day_totals --rebuild` writes it
    again. Never written here."""

    day = models.DateField()
    point_id = models.BigIntegerField(default=0)
    organisation_id = models.BigIntegerField(default=0)
    district_id = models.BigIntegerField(default=0)
    street_id = models.BigIntegerField(default=0)
    community_id = models.BigIntegerField(default=0)
    attendance = models.BigIntegerField(default=0)  # shifts checked in or done, by their start
    minutes = models.BigIntegerField(default=0)  # their minutes served
    trips = models.BigIntegerField(default=0)
    decikilometres = models.BigIntegerField(default=0)  # tenths of a kilometre: exact sums on SQLite too
    terminal_places = models.BigIntegerField(default=0)
    square_metres = models.BigIntegerField(default=0)  # community disinfection

    objects = ScopedQuerySet.as_manager()
    scope_paths = SCOPE

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "point_id", "organisation_id", "district_id", "street_id", "community_id"], name="volunteers_day_total_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.point_id}"
