"""The demo round's plan: its places, laboratories, hours and the story's numbers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ..choices import PoolingMode

BEIJING = ZoneInfo("Asia/Shanghai")
PLANNER_USERNAME = "synthetic-round"
LAB_USERNAME = "synthetic-lab-{code}"
# (name, code): the demo laboratories; districts are shared among them in code order.
DEMO_LABS: list[tuple[str, str]] = [("金域检验", "JY0471"), ("迪安诊断", "DA0471"), ("华大基因", "HD0471")]
# The demo accounts' places (fangkong.accounts demo_accounts): the district, street and community
# whose first grid the demo grid worker holds.
DEMO_DISTRICT, DEMO_STREET, DEMO_COMMUNITY = "150102", "中山东路街道", "迎宾南路社区"
SEALED_ELSEWHERE = "150103"  # 回民区: the second sealed community
COMMUNITY_POSITIVE_DISTRICT = "150105"  # 赛罕区: the 社会面 positive

OPENING_HOURS = "07:00-21:00"
SAMPLING_HOURS = 4.5  # 07:00–11:30
BIND_WINDOW = dt.timedelta(minutes=10)  # one bulk_bind request per ten minutes of sampling
MEMBER_GAP = dt.timedelta(seconds=20)  # between two swabs into the same pooled tube
POOL = PoolingMode.POOLED_10
SEALED_POSITIVES = (3, 2)  # positive single tubes in the first and second sealed community
OVERDUE_TUBES = 4
# From the start to 08:30 the next morning: every report is in and the overdue tubes (sampled before
# 08:00) are past their 24-hour deadline.
READY_AFTER = dt.timedelta(hours=25, minutes=30)
DOOR_KNOCKS = 5  # households of the demo grid visited (away ×2, bedridden, refused, sampled on the spot)
WHEREABOUTS = [
    "在北京市出差，预计下周返回",
    "在托克托县工业园区驻厂值守",
    "在包头市昆都仑区探亲",
    "在内蒙古大学住校",
    "在鄂尔多斯市东胜区务工",
]
