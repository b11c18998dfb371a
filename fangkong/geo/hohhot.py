"""Hohhot's county-level divisions (GB/T 2260 codes) and, where known, their real streets and towns."""

from __future__ import annotations

# code, name, kind, approximate share of the city's 3.5 million people, streets/towns
DISTRICTS: list[tuple[str, str, str, float, list[str]]] = [
    (
        "150102",
        "新城区",
        "district",
        0.22,
        [
            "海拉尔东路街道",
            "锡林郭勒北路街道",
            "东街街道",
            "西街街道",
            "中山东路街道",
            "迎新路街道",
            "东风路街道",
            "成吉思汗大街街道",
            "保合少镇",
        ],
    ),
    (
        "150103",
        "回民区",
        "district",
        0.13,
        [
            "环河街街道",
            "光明路街道",
            "海西路街道",
            "新华西路街道",
            "中山西路街道",
            "通道街街道",
            "钢铁路街道",
            "攸攸板镇",
        ],
    ),
    (
        "150104",
        "玉泉区",
        "district",
        0.13,
        [
            "鄂尔多斯路街道",
            "兴隆巷街道",
            "长和廊街道",
            "大南街街道",
            "小召前街街道",
            "石东路街道",
            "昭君路街道",
            "西菜园街道",
            "小黑河镇",
        ],
    ),
    (
        "150105",
        "赛罕区",
        "district",
        0.29,
        [
            "乌兰察布东路街道",
            "大学东路街道",
            "人民路街道",
            "中专路街道",
            "大学西路街道",
            "昭乌达路街道",
            "敕勒川路街道",
            "巴彦镇",
            "金河镇",
            "黄合少镇",
            "榆林镇",
        ],
    ),
    (
        "150121",
        "土默特左旗",
        "banner",
        0.10,
        [
            "察素齐镇",
            "毕克齐镇",
            "善岱镇",
            "台阁牧镇",
            "白庙子镇",
            "北什轴乡",
            "塔布赛乡",
        ],
    ),
    ("150122", "托克托县", "county", 0.05, ["双河镇", "新营子镇", "五申镇", "伍什家镇", "古城镇"]),
    ("150123", "和林格尔县", "county", 0.05, ["城关镇", "盛乐镇", "新店子镇", "巧什营镇", "舍必崖乡", "大红城乡", "羊群沟乡", "黑老夭乡"]),
    ("150124", "清水河县", "county", 0.03, ["城关镇", "喇嘛湾镇", "宏河镇", "老牛湾镇", "窑沟乡", "北堡乡", "韭菜庄乡", "五良太乡"]),
    (
        "150125",
        "武川县",
        "county",
        0.04,
        ["可可以力更镇", "上秃亥乡", "西乌兰不浪镇", "哈乐镇", "二份子乡", "大豆铺乡", "耗赖山乡", "得胜沟乡"],
    ),
]

# Real community names from the seed pages, attached to their streets.
KNOWN_COMMUNITIES: dict[str, list[str]] = {
    "中山东路街道": ["迎宾南路社区"],
}

# An approximate box around each district's settled area (south, west, north, east; WGS-84 degrees),
# read off a general map of Hohhot: for placing the synthetic city's compounds and drawing district
# outlines on the map without a tile server. Not surveyed boundaries — the four urban districts'
# boxes are their built-up cores; the counties' boxes surround their seats and main towns.
DISTRICT_BOXES: dict[str, tuple[float, float, float, float]] = {
    "150102": (40.815, 111.665, 40.880, 111.780),  # 新城区
    "150103": (40.800, 111.570, 40.870, 111.660),  # 回民区
    "150104": (40.720, 111.590, 40.800, 111.690),  # 玉泉区
    "150105": (40.730, 111.695, 40.812, 111.840),  # 赛罕区
    "150121": (40.620, 111.050, 40.760, 111.350),  # 土默特左旗
    "150122": (40.200, 111.100, 40.340, 111.300),  # 托克托县
    "150123": (40.320, 111.740, 40.440, 111.900),  # 和林格尔县
    "150124": (39.860, 111.600, 39.960, 111.760),  # 清水河县
    "150125": (41.040, 111.380, 41.140, 111.520),  # 武川县
}
