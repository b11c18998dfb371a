"""The demo's treatment facilities, its service accounts' names and the story's constants."""

from __future__ import annotations

from dataclasses import dataclass

from ..choices import BedType, FacilityKind

PLANNER_USERNAME = "synthetic-cases"
FACILITY_USERNAME = "synthetic-facility-{n}"
DEMO_COMMUNITY = ("150102", "中山东路街道", "迎宾南路社区")  # the demo accounts' community


@dataclass(frozen=True)
class FacilitySpec:
    name: str
    kind: str
    district: str  # code
    address: str
    contact: str
    beds: dict[str, int]
    note: str = ""
    occupied_before: int = 0  # patients on the ward before the platform (reconciled on day one)


# The first is the demo `hospital` account's facility.
DEMO_FACILITIES: list[FacilitySpec] = [
    FacilitySpec(
        "内蒙古自治区第四医院",
        FacilityKind.HOSPITAL,
        "150102",
        "呼和浩特市新城区锡林郭勒北路",
        "医务科 0471-6288120",
        {BedType.GENERAL: 520, BedType.ICU: 40},
        "自治区传染病定点救治医院；收治普通型、重型、危重型及高风险人群",
    ),
    FacilitySpec(
        "呼和浩特市第二医院",
        FacilityKind.HOSPITAL,
        "150103",
        "呼和浩特市回民区通道北街",
        "医务科 0471-6960312",
        {BedType.GENERAL: 300, BedType.ICU: 24},
        "市级定点医院",
    ),
    FacilitySpec(
        "呼和浩特国际会展中心方舱医院",
        FacilityKind.FANGCANG,
        "150105",
        "呼和浩特市赛罕区敕勒川大街",
        "方舱指挥部 0471-5901100",
        {BedType.GENERAL: 1600},
        "收治无症状感染者和轻型病例",
    ),
    FacilitySpec(
        "内蒙古体育馆方舱医院",
        FacilityKind.FANGCANG,
        "150102",
        "呼和浩特市新城区兴安北路",
        "方舱指挥部 0471-6512200",
        {BedType.GENERAL: 820},
        "收治无症状感染者和轻型病例",
        occupied_before=760,
    ),
    FacilitySpec(
        "如意开发区方舱医院",
        FacilityKind.FANGCANG,
        "150105",
        "呼和浩特市赛罕区如意和大街",
        "方舱指挥部 0471-3267600",
        {BedType.GENERAL: 1000},
        "收治无症状感染者和轻型病例",
    ),
    FacilitySpec(
        "金桥开发区方舱医院",
        FacilityKind.FANGCANG,
        "150105",
        "呼和浩特市赛罕区金桥开发区宝力尔街",
        "方舱指挥部 0471-3967800",
        {BedType.GENERAL: 1200},
        "收治无症状感染者和轻型病例",
    ),
]
HOSPITAL_REPORTS = ["呼和浩特市第一医院发热门诊报告", "内蒙古医科大学附属医院发热门诊报告", "内蒙古自治区人民医院发热门诊报告"]
EXTERNAL_NOTICES = ["包头市疫情防控指挥部协查通报", "鄂尔多斯市疫情防控指挥部协查通报", "北京市朝阳区疫情防控指挥部协查通报"]
VEHICLES = ["蒙A·120{:02d} 负压救护车", "蒙A·3F{:03d} 转运大巴"]
OCCUPIED_REASON = "平台启用前已收治患者，按线下台账核对在院人数"
