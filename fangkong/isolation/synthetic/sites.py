"""The demo's isolation sites (hotels with rooms by floor), their duty roster and the story's constants."""

from __future__ import annotations

from dataclasses import dataclass

from ..choices import RoomType, StaffDuty

ACTOR_USERNAME = "synthetic-isolation"
DEMO_DISTRICT, DEMO_STREET, DEMO_COMMUNITY = "150102", "中山东路街道", "迎宾南路社区"
PORT = "呼和浩特白塔国际机场"


@dataclass(frozen=True)
class SiteSpec:
    name: str
    district: str  # district code; the site is in its first community not the demo community
    address: str
    manager: str
    phone: str
    rooms: tuple[tuple[str, int, int, int], ...]  # (room type, first floor, last floor, rooms per floor)
    receives_inbound: bool = False


SITES: list[SiteSpec] = [
    SiteSpec(
        "如家酒店（新华大街店）隔离点", "150102", "新城区新华大街 68 号", "张宏伟", "0471-6901001",
        ((RoomType.SINGLE, 2, 4, 10), (RoomType.DOUBLE, 5, 5, 8), (RoomType.FAMILY, 6, 6, 4)),
    ),
    SiteSpec(
        "锦江之星（中山西路店）隔离点", "150103", "回民区中山西路 112 号", "马俊", "0471-6902002",
        ((RoomType.SINGLE, 3, 4, 10), (RoomType.DOUBLE, 5, 5, 6)),
    ),
    SiteSpec(
        "格林豪泰（大学东街店）隔离点", "150105", "赛罕区大学东街 27 号", "李娜", "0471-6903003",
        ((RoomType.SINGLE, 2, 3, 8), (RoomType.DOUBLE, 4, 4, 4), (RoomType.FAMILY, 5, 5, 2)),
    ),
    SiteSpec(
        "白塔机场入境人员集中隔离点", "150105", "赛罕区机场路 8 号", "王建军", "0471-6904004",
        ((RoomType.SINGLE, 2, 4, 10),),
        receives_inbound=True,
    ),
]  # fmt: skip
STAFF: list[tuple[str, str]] = [
    (StaffDuty.MANAGER, "M"), (StaffDuty.MEDICAL, "F"), (StaffDuty.SAMPLING, "F"), (StaffDuty.SECURITY, "M"),
    (StaffDuty.CLEANING, "F"), (StaffDuty.CATERING, "M"), (StaffDuty.LIAISON, "M"),
]  # fmt: skip
CHECKLIST_DAYS = 7
SOURCES = ["病例密接（同单位）", "病例密接（同车）", "病例密接（同楼栋）", "病例密接（同一聚餐）"]
