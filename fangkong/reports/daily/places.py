"""Which place a daily report is for, and which the acting user files for: a report belongs to the
level and place of a grant (the city's command, a district office, a street office, a community)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.scoping import jurisdiction_of
from fangkong.geo.models import Community, District, Street

from .choices import CHILD, ReportLevel

SCOPE = "reports.daily.scope"
MODELS = {ReportLevel.DISTRICT: District, ReportLevel.STREET: Street, ReportLevel.COMMUNITY: Community}


@dataclass(frozen=True)
class Place:
    level: str
    pk: int | None
    name: str
    district_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None

    @property
    def key(self) -> str:
        return "city" if self.level == ReportLevel.CITY else f"{self.level}:{self.pk}"

    @property
    def ids(self) -> dict[str, int | None]:
        return {"district_id": self.district_id, "street_id": self.street_id, "community_id": self.community_id}


def city_name() -> str:
    return _("全市")


def place_of(level: str, pk: int | None) -> Place:
    """The place a report is for; refuses an unknown level or place, naming the field."""
    if level == ReportLevel.CITY:
        return Place(ReportLevel.CITY, None, city_name())
    model = MODELS.get(level)  # type: ignore[call-overload]
    if model is None:
        raise DomainError(_("层级无效：%(v)s") % {"v": level}, field="level")
    row = model.objects.filter(pk=pk).first() if pk else None
    if row is None:
        raise DomainError(_("没有这个单位"), field="place")
    if level == ReportLevel.DISTRICT:
        return Place(level, row.pk, row.name, district_id=row.pk)
    if level == ReportLevel.STREET:
        return Place(level, row.pk, row.name, district_id=row.district_id, street_id=row.pk)
    return Place(level, row.pk, row.name, district_id=row.district_id, street_id=row.street_id, community_id=row.pk)


def files_for(user: Any, level: str, pk: int | None) -> bool:
    """The user holds a grant at exactly this level and place (the city's command for the city)."""
    j = jurisdiction_of(user)
    if level == ReportLevel.CITY:
        return j.city
    return pk is not None and pk in j.covered.get(level, ())


def require_files_for(user: Any, place: Place, *, field: str = "place") -> None:
    if not files_for(user, place.level, place.pk):
        raise PermissionRefused(_("“%(place)s”的日报不由您填报") % {"place": place.name}, rule=SCOPE, field=field)


def units_of(place: Place) -> list[Place]:
    """The places one level down whose reports `place` compiles, by name."""
    child = CHILD.get(place.level)  # type: ignore[call-overload]
    if child is None:
        return []
    model = MODELS[child]
    qs = model.objects.all()
    if place.level != ReportLevel.CITY:
        qs = qs.filter(**{f"{place.level}_id": place.pk})
    out = []
    for row in qs.order_by("name", "pk"):
        ids = {"district_id": getattr(row, "district_id", None), "street_id": getattr(row, "street_id", None)}
        if child == ReportLevel.DISTRICT:
            ids["district_id"] = row.pk
        elif child == ReportLevel.STREET:
            ids["street_id"] = row.pk
        out.append(Place(child, row.pk, row.name, community_id=row.pk if child == ReportLevel.COMMUNITY else None, **ids))
    return out


def filing_places(user: Any) -> list[Place]:
    """The places whose reports the user files: each grant at a report level."""
    j = jurisdiction_of(user)
    out = [place_of(ReportLevel.CITY, None)] if j.city else []
    for level in (ReportLevel.DISTRICT, ReportLevel.STREET, ReportLevel.COMMUNITY):
        for pk in sorted(j.covered.get(level, ())):
            try:
                out.append(place_of(level, pk))
            except DomainError:
                continue
    return out
