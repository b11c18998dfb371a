"""Small, explicit builders for places, people and users in tests."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from importlib import import_module

from fangkong.accounts.models import Grant, User
from fangkong.core.crypto import Sealer
from fangkong.geo.idnumbers import make_resident_id
from fangkong.geo.models import Building, Community, Compound, District, Grid, Household, Person, PersonTag, Street, Unit
from fangkong.geo.records import build_person_record

_seq = itertools.count(1)


@dataclass
class Tree:
    district: District
    street: Street
    community: Community
    grid: Grid
    compound: Compound
    building: Building
    unit: Unit
    household: Household


def ensure_reference_data() -> None:
    """The Hohhot districts, the shipped policy profiles, 督导's checklists and the volunteers' task types come from data
    migrations; a transactional test (browser, concurrency) flushes them for the tests after it."""
    from fangkong.geo.hohhot import DISTRICTS
    from fangkong.policy.models import PolicyParameter, PolicyProfile
    from fangkong.policy.profiles import load_builtin_profiles

    if District.objects.count() < len(DISTRICTS):
        for code, name, kind, _share, _streets in DISTRICTS:
            District.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    if not PolicyProfile.objects.filter(is_active=True).exists():
        load_builtin_profiles(PolicyProfile, PolicyParameter)
    from django.apps import apps

    from fangkong.supervision.models import ChecklistItem

    if not ChecklistItem.objects.exists():  # 督导's checklists and rounds (supervision 0002)
        import_module("fangkong.supervision.migrations.0002_supervision_checklists").seed(apps, None)
    from fangkong.volunteers.models import TaskType

    seed = import_module("fangkong.volunteers.migrations.0002_seed_task_types")
    if TaskType.objects.filter(code__in=[code for code, _name, _field in seed.SEED]).count() < len(seed.SEED):
        seed.seed(apps, None)  # the seed's task types (volunteers 0002), get_or_create each


def make_tree(
    district_code: str = "150102",
    street: str = "中山东路街道",
    community: str = "迎宾南路社区",
    grid: str = "第一网格",
    compound: str = "迎宾小区",
    building: str = "1号楼",
    unit: str = "1单元",
    household: str = "101",
) -> Tree:
    d = District.objects.get(code=district_code)
    s, _ = Street.objects.get_or_create(district=d, name=street)
    c, _ = Community.objects.get_or_create(district=d, street=s, name=community)
    g, _ = Grid.objects.get_or_create(district=d, street=s, community=c, name=grid)
    cp, _ = Compound.objects.get_or_create(district=d, street=s, community=c, name=compound)
    b, _ = Building.objects.get_or_create(district=d, street=s, community=c, compound=cp, name=building, defaults={"grid": g})
    u, _ = Unit.objects.get_or_create(district=d, street=s, community=c, compound=cp, building=b, name=unit, defaults={"grid": g})
    h, _ = Household.objects.get_or_create(
        district=d, street=s, community=c, compound=cp, building=b, unit=u, number=household, defaults={"grid": g}
    )
    return Tree(d, s, c, g, cp, b, u, h)


def next_id_number(district_code: str = "150102", birth: dt.date = dt.date(1980, 5, 17), sex: str = "M") -> str:
    n = next(_seq) % 500
    sequence = 2 * n + (1 if sex == "M" else 0)
    return make_resident_id(district_code, birth, sequence)


def make_person(household: Household | None, name: str = "张三", id_number: str | None = None, phone: str = "", tags=()) -> Person:
    record = build_person_record(
        Sealer(),
        name=name,
        id_type="resident_id",
        id_number=id_number or next_id_number(household.district.code if household else "150102"),
        phone=phone,
        tags=tuple(tags),
    )
    fields = {k: v for k, v in vars(record).items() if k != "tags"}
    ancestry = {}
    if household is not None:
        ancestry = {f"{f}_id": getattr(household, f"{f}_id") for f in ("district", "street", "community", "grid")}
    person = Person.objects.create(household=household, **ancestry, **fields)
    PersonTag.objects.bulk_create(PersonTag(person=person, tag=t) for t in record.tags)
    return person


def make_user(username: str, role: str, grants: list[tuple[str, object | None]] = (), password: str = "pass-word-1") -> User:
    user = User.objects.create_user(username=username, password=password, role=role, full_name=username)
    for level, place in grants:
        Grant.objects.create(user=user, level=level, place_id=getattr(place, "pk", None))
    return user
