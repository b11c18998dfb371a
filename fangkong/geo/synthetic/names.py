"""Plausible Hohhot names, drawn from a seeded random.Random so the same seed gives the same city.

People: Han surnames weighted roughly by their frequency in northern China (with the Inner
Mongolian 云/包/奇), given names that follow the fashion of the birth decade, and Mongolian names
for about one household in eleven. Places: 社区, 村, 小区 and 网格 names in the local style
(…板申, …圪旦, …营子 for villages).
"""

from __future__ import annotations

import random

# surname, weight (per mille, approximate; northern China / Inner Mongolia)
SURNAMES: list[tuple[str, float]] = [
    ("王", 71), ("李", 70), ("张", 67), ("刘", 54), ("陈", 30), ("杨", 31), ("赵", 30), ("黄", 12), ("周", 15), ("吴", 13),
    ("徐", 12), ("孙", 17), ("胡", 13), ("朱", 11), ("高", 16), ("林", 6), ("何", 8), ("郭", 16), ("马", 15), ("罗", 5),
    ("梁", 9), ("宋", 9), ("郑", 7), ("谢", 5), ("韩", 10), ("唐", 5), ("冯", 8), ("于", 9), ("董", 8), ("程", 5),
    ("曹", 7), ("袁", 5), ("邓", 4), ("许", 6), ("傅", 3), ("沈", 3), ("曾", 2), ("彭", 3), ("吕", 5), ("苏", 6),
    ("卢", 4), ("蒋", 3), ("蔡", 3), ("贾", 7), ("丁", 4), ("魏", 6), ("薛", 5), ("叶", 2), ("阎", 5), ("余", 2),
    ("潘", 3), ("杜", 5), ("戴", 2), ("夏", 3), ("钟", 2), ("汪", 2), ("田", 6), ("任", 6), ("姜", 4), ("范", 5),
    ("方", 2), ("石", 5), ("姚", 3), ("谭", 2), ("廖", 1), ("邹", 2), ("熊", 1), ("金", 3), ("陆", 2), ("郝", 6),
    ("孔", 3), ("白", 7), ("崔", 5), ("康", 4), ("毛", 2), ("邱", 2), ("秦", 4), ("江", 2), ("史", 4), ("顾", 2),
    ("侯", 5), ("邵", 2), ("孟", 5), ("龙", 1), ("万", 2), ("段", 3), ("雷", 3), ("钱", 2), ("汤", 2), ("尹", 3),
    ("常", 5), ("武", 6), ("乔", 5), ("贺", 4), ("龚", 1), ("云", 3), ("包", 3), ("奇", 1), ("樊", 3), ("温", 3),
    ("霍", 3), ("牛", 3), ("闫", 4), ("岳", 2), ("宁", 1), ("欧阳", 0.3), ("司马", 0.1), ("上官", 0.1),
]  # fmt: skip

# Given names by birth decade and sex: (before 1965, 1965–1989, 1990–2009, 2010 on).
GIVEN: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "M": (
        [
            "建国",
            "建华",
            "国庆",
            "国华",
            "志强",
            "志明",
            "振华",
            "德明",
            "福生",
            "树林",
            "长江",
            "永福",
            "玉山",
            "文才",
            "宝山",
            "金山",
            "有才",
            "占山",
            "富贵",
            "秉义",
            "明",
            "军",
            "平",
            "刚",
            "林",
            "成",
            "文",
            "武",
            "忠",
            "贵",
        ],
        [
            "伟",
            "强",
            "磊",
            "军",
            "勇",
            "杰",
            "涛",
            "斌",
            "超",
            "明",
            "刚",
            "鹏",
            "辉",
            "峰",
            "波",
            "建军",
            "海涛",
            "志刚",
            "晓东",
            "永强",
            "红军",
            "卫东",
            "建平",
            "海军",
            "立新",
            "文斌",
            "俊峰",
            "志勇",
            "宏伟",
            "小龙",
        ],
        [
            "浩",
            "宇",
            "鑫",
            "博",
            "帅",
            "浩然",
            "子豪",
            "宇航",
            "俊杰",
            "博文",
            "思远",
            "志远",
            "天宇",
            "家豪",
            "晨",
            "旭",
            "昊",
            "泽宇",
            "一鸣",
            "嘉豪",
            "明轩",
            "皓轩",
            "子轩",
            "文博",
            "晨阳",
            "鹏飞",
            "凯",
        ],
        [
            "子轩",
            "浩宇",
            "宇轩",
            "梓豪",
            "一诺",
            "沐宸",
            "奕辰",
            "子墨",
            "皓宇",
            "俊熙",
            "梓睿",
            "铭泽",
            "宇泽",
            "浩然",
            "煜祺",
            "博涵",
            "瑞霖",
            "辰逸",
            "睿",
            "宸",
            "泽",
            "轩",
        ],
    ),
    "F": (
        [
            "秀英",
            "桂英",
            "秀兰",
            "玉兰",
            "桂兰",
            "淑珍",
            "凤英",
            "玉珍",
            "素芬",
            "秀珍",
            "兰英",
            "翠花",
            "桂芳",
            "淑兰",
            "玉梅",
            "金花",
            "凤兰",
            "秀芳",
            "秀云",
            "桂珍",
            "英",
            "兰",
            "华",
            "芳",
            "梅",
            "珍",
            "莲",
        ],
        [
            "丽",
            "静",
            "敏",
            "燕",
            "艳",
            "娟",
            "霞",
            "芳",
            "红",
            "玲",
            "丽娟",
            "海燕",
            "晓燕",
            "红梅",
            "丽华",
            "春梅",
            "晓红",
            "雪梅",
            "艳红",
            "丽萍",
            "秀丽",
            "美玲",
            "俊霞",
            "晓丽",
            "慧",
            "婷",
            "洁",
            "萍",
        ],
        [
            "婷婷",
            "欣怡",
            "佳怡",
            "雨欣",
            "梦琪",
            "思琪",
            "雅琪",
            "诗涵",
            "佳琪",
            "晓雪",
            "梦瑶",
            "雪",
            "琳",
            "悦",
            "颖",
            "倩",
            "丹",
            "莹",
            "佳慧",
            "欣然",
            "雨婷",
            "紫涵",
            "可欣",
            "璐",
            "瑶",
        ],
        [
            "梓涵",
            "一诺",
            "欣怡",
            "子涵",
            "梓萱",
            "诗涵",
            "可馨",
            "语桐",
            "雨萱",
            "若汐",
            "梦琪",
            "依诺",
            "思涵",
            "芷若",
            "欣妍",
            "沐瑶",
            "雨桐",
            "梓琪",
            "安琪",
            "语嫣",
            "悦",
        ],
    ),
}
# Two-character names composed from these add variety beyond the lists above.
GIVEN_FIRST = {"M": "志建国文明海晓永德俊宏宇子浩嘉泽博天一家振立少云", "F": "秀桂玉淑丽晓海春雪美红欣雨梓诗思佳梦子若慧静凤"}
GIVEN_SECOND = {"M": "强军华伟平刚林峰波杰涛斌鹏辉明龙飞成轩宇豪阳然睿哲勇亮", "F": "英兰珍芳华梅霞燕红娟丽萍静婷怡涵萱琪琳雯欣瑶洁玲"}

MONGOLIAN: dict[str, list[str]] = {
    "M": [
        "巴特尔",
        "额尔敦",
        "苏和",
        "朝鲁",
        "呼和",
        "宝音",
        "阿拉坦",
        "那日苏",
        "孟和",
        "乌力吉",
        "哈斯",
        "达来",
        "特木尔",
        "巴雅尔",
        "毕力格",
        "吉日嘎拉",
        "额尔德尼",
        "布和",
        "图门",
        "巴图",
        "格日勒图",
        "宝力道",
        "扎那",
        "斯琴巴特尔",
        "胡日查",
        "阿拉腾",
        "乌恩",
        "满都拉",
        "青格勒",
        "伊拉图",
    ],
    "F": [
        "其木格",
        "乌日娜",
        "斯琴",
        "萨仁",
        "图雅",
        "格日勒",
        "敖登",
        "高娃",
        "娜仁",
        "托娅",
        "其其格",
        "萨日娜",
        "乌兰",
        "阿如娜",
        "塔娜",
        "苏日娜",
        "额日和木",
        "乌云",
        "琪琪格",
        "娜布其",
        "萨其拉",
        "斯日古楞",
        "吉雅",
        "查娜",
        "阿拉坦其其格",
        "乌仁图雅",
        "宝日玛",
        "诺敏",
        "苏布达",
        "萨茹拉",
    ],
}
# Some Mongolian families write a Chinese surname before the name (包巴特尔, 白乌云).
MONGOLIAN_PREFIXES = "包白云奇韩鲍"

COMMUNITY_STEMS = [
    "新华",
    "光明",
    "东风",
    "幸福",
    "和平",
    "团结",
    "友谊",
    "长青",
    "丰泽",
    "兴安",
    "锡林",
    "海拉尔",
    "昭君",
    "敕勒川",
    "青城",
    "大召",
    "丁香",
    "桃花",
    "如意",
    "金桥",
    "阳光",
    "文化",
    "民族",
    "满都海",
    "巴彦",
    "乌兰",
    "公园",
    "电力",
    "铁路",
    "钢铁",
    "石羊桥",
    "呼伦",
    "新建",
    "胜利",
    "建设",
    "红旗",
    "前进",
    "五里营",
    "西落凤",
    "南茶坊",
    "北垣",
    "中山",
    "通道",
    "巨海",
    "滨河",
    "展东",
    "兴隆",
    "府兴营",
    "腾飞",
    "恒昌",
    "水岸",
    "春华",
    "金海",
    "大学",
    "工农兵",
    "东瓦窑",
    "八一",
    "曙光",
    "车站",
    "林荫",
    "清泉",
    "富强",
    "康乐",
    "朝阳",
    "哲里木",
    "伊利",
    "东门",
    "西门",
    "鼓楼",
]
COMMUNITY_SUFFIXES = ["", "", "", "东", "西", "南", "北", "路", "里", "园", "苑", "新村"]

VILLAGE_STEMS = [
    "乌素图",
    "板申",
    "圪旦",
    "营子",
    "什拉",
    "窑子",
    "沟",
    "滩",
    "河湾",
    "壕",
    "梁",
    "湾",
    "脑包",
    "店",
    "庄",
    "坝",
    "堡",
    "窑",
    "塔",
    "沙梁",
]
VILLAGE_PREFIXES = ["东", "西", "南", "北", "前", "后", "大", "小", "新", "上", "下", "中"]

COMPOUND_STEMS = [
    "万达",
    "恒大",
    "锦绣",
    "富力",
    "金隅",
    "海亮",
    "巨华",
    "万锦",
    "满世",
    "城发",
    "东方",
    "御景",
    "天骄",
    "如意",
    "祥和",
    "青城",
    "昭乌达",
    "金地",
    "鑫盛",
    "紫薇",
    "泰和",
    "兴泰",
    "华府",
    "嘉园",
    "凯旋",
    "天鹅",
    "盛世",
    "名都",
    "鹿城",
    "绿地",
    "宏源",
    "中海",
    "保利",
    "蒙发",
    "民馨",
    "惠民",
    "和美",
    "景观",
    "丽苑",
    "翡翠",
    "颐和",
    "铂悦",
    "星河",
    "书香",
    "汇豪",
    "金色",
]
COMPOUND_SUFFIXES = ["小区", "小区", "小区", "花园", "家园", "苑", "城", "嘉园", "名居", "新城", "公寓", "华庭"]

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 23 → 二十三 (enough for grid and group names)."""
    if n < 10:
        return CN_DIGITS[n]
    if n < 20:
        return "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return CN_DIGITS[n // 10] + "十" + (CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def era(birth_year: int) -> int:
    if birth_year < 1965:
        return 0
    if birth_year < 1990:
        return 1
    if birth_year < 2010:
        return 2
    return 3


class NameMaker:
    """Every draw goes through the one seeded rng, in a fixed order."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = [s for s, _ in SURNAMES]
        total = sum(w for _, w in SURNAMES)
        acc = 0.0
        self._cum = []
        for _, w in SURNAMES:
            acc += w / total
            self._cum.append(acc)

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._cum)[0]

    def given(self, sex: str, birth_year: int) -> str:
        rng = self.rng
        if rng.random() < 0.35:
            return rng.choice(GIVEN_FIRST[sex]) + rng.choice(GIVEN_SECOND[sex])
        return rng.choice(GIVEN[sex][era(birth_year)])

    def han(self, surname: str, sex: str, birth_year: int) -> str:
        return surname + self.given(sex, birth_year)

    def mongolian(self, sex: str) -> str:
        name = self.rng.choice(MONGOLIAN[sex])
        if self.rng.random() < 0.15:
            name = self.rng.choice(MONGOLIAN_PREFIXES) + name
        return name

    def community(self, taken: set[str]) -> str:
        return self._unique(taken, lambda: self.rng.choice(COMMUNITY_STEMS) + self.rng.choice(COMMUNITY_SUFFIXES), "社区")

    def village(self, taken: set[str]) -> str:
        def stem() -> str:
            r = self.rng.random()
            if r < 0.35:
                return self.surname()[0] + self.rng.choice(["家营", "家窑", "家圪旦", "家堡", "家村"])
            if r < 0.8:
                return self.rng.choice(VILLAGE_PREFIXES) + self.rng.choice(VILLAGE_STEMS)
            return self.rng.choice(COMMUNITY_STEMS[:30]) + self.rng.choice(VILLAGE_STEMS)

        return self._unique(taken, stem, "村")

    def compound(self, taken: set[str]) -> str:
        def make() -> str:
            stem, suffix = self.rng.choice(COMPOUND_STEMS), self.rng.choice(COMPOUND_SUFFIXES)
            return stem + ("小区" if stem[-1] == suffix[0] else suffix)  # not 青城城

        return self._unique(taken, make, "")

    def _unique(self, taken: set[str], make, suffix: str) -> str:  # noqa: ANN001 - a small local callable
        for _ in range(20):
            name = make() + suffix
            if name not in taken:
                taken.add(name)
                return name
        base = make()
        n = 2
        while f"{base}{cn_number(n)}{suffix}" in taken:
            n += 1
        name = f"{base}{cn_number(n)}{suffix}"
        taken.add(name)
        return name
