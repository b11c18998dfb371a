"""Places and people: district → street → community → compound → building → unit → household → person.

Grids (网格) group buildings inside a community; each grid has grid workers. Every row below the
district stores the ids of all its ancestors (indexed), so "everything in this community" is one
filter, not a tree walk. `scope_paths` tells fangkong.core.scoping which of those fields a grant at
each level matches.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import TimeStampedModel

from .birth import birth_years_label, birth_years_text
from .choices import CommunityKind, DisabilityLevel, DistrictKind, FamilyStatus, IdType, ModelWorkerLevel, Sex, StreetKind, VulnerableTag
from .querysets import PersonQuerySet, PlaceQuerySet

PLACE_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id"}


class District(TimeStampedModel):
    """区/旗/县, with its GB/T 2260 code (e.g. 150102 新城区)."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DistrictKind.choices, default=DistrictKind.DISTRICT)

    objects = PlaceQuerySet.as_manager()
    scope_paths = {"district": "id"}
    scope_reach_level = "district"
    level = "district"

    class Meta:
        ordering = ["code"]
        verbose_name = _("区县")

    def __str__(self) -> str:
        return self.name


class Street(TimeStampedModel):
    """街道 / 镇 / 乡 (its 办事处)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="streets")
    name = models.CharField(_("名称"), max_length=48)
    kind = models.CharField(_("类型"), max_length=16, choices=StreetKind.choices, default=StreetKind.STREET)

    objects = PlaceQuerySet.as_manager()
    scope_paths = {"district": "district_id", "street": "id"}
    scope_reach_level = "street"
    level = "street"

    class Meta:
        ordering = ["district_id", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="street_unique_name")]
        verbose_name = _("街道（乡镇）")

    def __str__(self) -> str:
        return self.name


class Community(TimeStampedModel):
    """社区 / 村 / 嘎查."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="communities")
    name = models.CharField(_("名称"), max_length=48)
    kind = models.CharField(_("类型"), max_length=16, choices=CommunityKind.choices, default=CommunityKind.COMMUNITY)

    objects = PlaceQuerySet.as_manager()
    scope_paths = {**PLACE_SCOPE, "community": "id"}
    scope_reach_level = "community"
    level = "community"

    class Meta:
        ordering = ["street_id", "name"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="community_unique_name")]
        verbose_name = _("社区（村）")

    def __str__(self) -> str:
        return self.name


class Grid(TimeStampedModel):
    """网格: a group of buildings inside one community, looked after by its grid workers."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="grids")
    name = models.CharField(_("名称"), max_length=48)

    objects = PlaceQuerySet.as_manager()
    scope_paths = {**PLACE_SCOPE, "grid": "id"}
    level = "grid"

    class Meta:
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name")]
        verbose_name = _("网格")

    def __str__(self) -> str:
        return self.name


class GridWorker(TimeStampedModel):
    """网格员: the person responsible for a grid (with an account when they use the platform)."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="workers")
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["grid_id", "name"]

    def __str__(self) -> str:
        return self.name


class Compound(TimeStampedModel):
    """小区 (or a village's natural settlement)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="compounds")
    name = models.CharField(_("名称"), max_length=64)
    # WGS-84 degrees, for the map (the synthetic city places them inside their district: approximate).
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)

    objects = PlaceQuerySet.as_manager()
    scope_paths = PLACE_SCOPE
    scope_reach_level = "compound"
    level = "compound"

    class Meta:
        ordering = ["community_id", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="compound_unique_name")]
        verbose_name = _("小区")

    def __str__(self) -> str:
        return self.name


class Building(TimeStampedModel):
    """楼栋. Belongs to one grid."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="buildings")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="buildings")
    name = models.CharField(_("楼栋"), max_length=32)
    lat = models.FloatField(_("纬度"), null=True, blank=True)  # WGS-84 degrees, for the map
    lon = models.FloatField(_("经度"), null=True, blank=True)

    objects = PlaceQuerySet.as_manager()
    scope_paths = {**PLACE_SCOPE, "grid": "grid_id"}
    level = "building"

    class Meta:
        ordering = ["compound_id", "id"]
        constraints = [models.UniqueConstraint(fields=["compound", "name"], name="building_unique_name")]
        verbose_name = _("楼栋")

    def __str__(self) -> str:
        return self.name


class Unit(TimeStampedModel):
    """单元 / 门洞 (stairwell)."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="units")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("单元"), max_length=32)

    objects = PlaceQuerySet.as_manager()
    scope_paths = {**PLACE_SCOPE, "grid": "grid_id"}
    level = "unit"

    class Meta:
        ordering = ["building_id", "id"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="unit_unique_name")]
        verbose_name = _("单元")

    def __str__(self) -> str:
        return self.name


class Household(TimeStampedModel):
    """户: a dwelling (room number) in a unit."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Street, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey(Compound, on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="households")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    number = models.CharField(_("户号"), max_length=32)

    objects = PlaceQuerySet.as_manager()
    scope_paths = {**PLACE_SCOPE, "grid": "grid_id"}
    level = "household"

    class Meta:
        ordering = ["unit_id", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="household_unique_number")]
        verbose_name = _("户")

    def __str__(self) -> str:
        return self.number

    @property
    def address(self) -> str:
        return f"{self.compound.name}{self.building.name}{self.unit.name}{self.number}"


class Person(TimeStampedModel):
    """A resident. The ID number and phone are stored encrypted, with a keyed hash for look-up
    and a masked form for display; the full values are revealed only through an audited service."""

    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    # Ancestor ids copied from the household for one-column scoping. They are indexed but carry no
    # database constraint: the household FK already guarantees them, and four more deferred FK checks
    # per row cost minutes on a 3.5-million-person load (bench/registry_import).
    district = models.ForeignKey(District, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    street = models.ForeignKey(Street, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    community = models.ForeignKey(Community, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    name = models.CharField(_("姓名"), max_length=64)
    id_type = models.CharField(_("证件类型"), max_length=16, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_cipher = models.TextField(_("证件号码（密文）"))
    id_hash = models.CharField(max_length=32)
    id_masked = models.CharField(_("证件号码"), max_length=24)
    id_tail = models.CharField(max_length=4)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    # Birth: in clear only a range of years (the year itself for nearly everyone); the exact date is
    # sealed — inside id_cipher for a resident ID, in birth_cipher for other documents. See geo.birth.
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    birth_year_to = models.PositiveSmallIntegerField(_("出生年份（至）"), null=True, blank=True)
    birth_cipher = models.TextField(_("出生日期（密文）"), blank=True, default="", db_default="")  # a bulk writer may leave it out
    phone_cipher = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=32, blank=True)
    phone_masked = models.CharField(_("手机号"), max_length=20, blank=True)
    # Where a person registered without a household lives (a sampler's 现场登记: grid + this text).
    address = models.CharField(_("现住址"), max_length=200, blank=True, default="", db_default="")

    objects = PersonQuerySet.as_manager()
    scope_paths = {**PLACE_SCOPE, "grid": "grid_id"}

    class Meta:
        ordering = ["household_id", "id"]
        verbose_name = _("人员")
        # Declared here rather than with db_index/unique on the fields, so PostgreSQL gets one index
        # each instead of an extra varchar_pattern_ops copy that no query uses; `name` gets only the
        # pattern-ops index, which serves both equality and the prefix search.
        constraints = [models.UniqueConstraint(fields=["id_hash"], name="person_unique_id_hash")]
        indexes = [
            models.Index(fields=["id_tail"], name="person_id_tail"),
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
            models.Index(fields=["name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"

    @property
    def birth_years_text(self) -> str:
        """ "1981" (or "2024–2025"): what lists show in a birth-year column."""
        return birth_years_text(self.birth_year, self.birth_year_to)

    @property
    def birth_years_label(self) -> str:
        """ "1981 年生": what a page says about a person's age (never a date, never an age in days)."""
        return birth_years_label(self.birth_year, self.birth_year_to)


class PersonTag(models.Model):
    """A vulnerable-category tag on a person (SPEC.md §6)."""

    # The unique (person, tag) index serves look-ups by person, so the FK needs no index of its own.
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags", db_index=False)
    tag = models.CharField(_("标签"), max_length=24, choices=VulnerableTag.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "tag"], name="person_tag_unique")]
        indexes = [models.Index(fields=["tag"], name="person_tag_tag")]

    def __str__(self) -> str:
        return self.get_tag_display()


class PersonWelfare(models.Model):
    """What the 民政 records say about a person, for the rules of 民生保障 (seed 003's voucher): the
    place of household registration (户籍地, a 6-digit region code: 1501xx is Hohhot), the family's
    assistance status (低保 / 低保边缘 / 特困), the assessed 失能失智 level and a model worker's level.
    A side table: most residents have no row (nothing to record), and the person table stays as the
    bulk import writes it. Living alone, 计生特扶, 因公致残 and 见义勇为 are the person's tags."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="welfare")
    hukou_code = models.CharField(_("户籍地行政区划代码"), max_length=6, blank=True)
    family_status = models.CharField(_("家庭救助状况"), max_length=16, choices=FamilyStatus.choices, blank=True)
    disability_level = models.CharField(_("失能失智程度"), max_length=12, choices=DisabilityLevel.choices, blank=True)
    model_worker_level = models.CharField(_("劳动模范级别"), max_length=16, choices=ModelWorkerLevel.choices, blank=True)

    class Meta:
        verbose_name = _("民政信息")
        indexes = [models.Index(fields=["family_status"], name="person_welfare_family")]

    def __str__(self) -> str:
        return f"{self.person_id}"


# ---- for the rows other apps keep about a person ----

PERSON_SCOPE = {"district": "district_id", "street": "street_id", "community": "community_id", "grid": "grid_id"}


def cached_fk(model: str, label: str, *, null: bool = True) -> models.ForeignKey:
    """An ancestor id copied from the registry: no database constraint, no index of its own."""
    return models.ForeignKey(
        model,
        verbose_name=label,
        null=null,
        blank=null,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )


class PersonPlaces(models.Model):
    """The person's places at the time of the event, for scoped, grouped counts."""

    district = cached_fk("geo.District", _("区县"))
    street = cached_fk("geo.Street", _("街道"))
    community = cached_fk("geo.Community", _("社区"))
    grid = cached_fk("geo.Grid", _("网格"))
    household = cached_fk("geo.Household", _("户"))

    scope_paths = PERSON_SCOPE

    class Meta:
        abstract = True
