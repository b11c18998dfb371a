"""The shipped policy profiles (SPEC.md §10), as data.

Each parameter: key → (value, unit, description, source). Values come from the national documents
as reposted in the seed pages (the pages' labels stay out of the text users read); where the sources
are silent the value is marked as a local default, which the policy pages ask its editors to confirm.
"""

from __future__ import annotations

from typing import Any

SEED_000 = "内蒙古日报 2022-11-15《首府层层压实责任 坚决落实“二十条措施”》"
SEED_002 = "内蒙古日报 2022-02-28"
NINTH = "《新型冠状病毒肺炎防控方案（第九版）》2022-06-28"
TWENTY = "《关于进一步优化新冠肺炎疫情防控措施 科学精准做好防控工作的通知》（二十条）2022-11-11"
EARLY = "《新型冠状病毒肺炎防控方案》2020 年早期版本"
# Where the sources are silent. Those who can act on it (policy editors) see "to be confirmed" beside it
# on the policy pages; everyone else reads only that it is a local default.
LOCAL = "本地默认值：来源文件未规定"
TREATMENT_NINTH = "《新型冠状病毒肺炎诊疗方案（试行第九版）》2022-03-14"
SEED_004 = "内蒙古日报 2020-02-04（赤峰市公路交通管控要求：一车一事一证；不得封闭高速公路、阻断国省干线，确须封闭的履行报批程序）"
SEED_003 = "内蒙古日报 2022-11-28《打通特殊困难群体生活保障“最后一米”》"
DAILY_REPORTS = "内蒙古日报 2020-02-04（乌兰察布市构建六项机制：构建信息反馈机制，实行日报制度；构建跟踪问效机制）"
LAST_METRE = "呼和浩特市《居民生活保障“最后一米”物资配送流程指导规范》"

Param = tuple[Any, str, str, str]

COMMON: dict[str, Param] = {
    "testing.positive_ct_threshold": (35, "Ct", "Ct 值低于此值判为阳性", f"{NINTH}; {TWENTY}"),
    "testing.result_deadline_hours": (24, "h", "核酸检测自采样至出结果时限", SEED_000),
    "transfer.deadline": ("same_day", "", "阳性感染者转运时限（当日转运至定点医院或方舱医院）", SEED_000),
    "contact.isolation_deadline": ("same_day", "", "密接人员集中隔离时限（日清日结）", SEED_000),
    "command.escalation_hours": (
        6,
        "h",
        "事项超过时限仍未办结，每超过此小时数即上报上一级（社区→街道→区县→指挥部），在上一级的三快一严看板显示",
        f"{LOCAL}; {SEED_000}（自下而上守土尽责、守土负责、守土担责）; {SEED_002}（第一时间发现问题，第一时间整改到位）",
    ),
    "command.daily_report_deadline": (
        ["16:00", "17:00", "18:00", "19:00"],
        "北京时间",
        "日报报送截止时间，依次为社区、街道（乡镇）、区县、市指挥部；过时报送记为逾期，未报送的单位列入上一级的未报名单",
        f"{LOCAL}; {DAILY_REPORTS}",
    ),
    "regimen.day_one": ("isolation_start_date", "", "隔离第 1 天的定义：开始隔离的自然日（北京时间）", LOCAL),
    "travel.leaving_negative_hours": (48, "h", "离开低风险区所在城市须持核酸阴性证明的时限", f"{NINTH}; {TWENTY}"),
    "movement.pass_max_hours": (72, "h", "车辆通行证一车一事一证、一证一次行程：有效期最长小时数", f"{SEED_004}; {LOCAL}"),
    "movement.fever_celsius": (37.3, "℃", "体温不低于此值为发热：不得登车，移出转运批次", NINTH),
    "movement.trunk_road_closure_needs_approval": (True, "", "不得封闭高速公路、阻断国省干线；确须封闭的须报批", SEED_004),
    "triage.fangcang_classes": (["asymptomatic", "mild"], "", "收治方舱医院的分型", NINTH),
    "triage.hospital_classes": (["moderate", "severe", "critical"], "", "收治定点医院的分型", NINTH),
    "triage.high_risk_age": (65, "岁", "高风险人群年龄下限（合并基础疾病等同样收治定点医院）", NINTH),
    "triage.high_risk_conditions": (
        ["underlying_condition", "immunodeficiency", "obesity", "pregnancy", "heavy_smoker"],
        "",
        "重型高危人群：合并基础疾病、免疫功能缺陷、肥胖（BMI≥30）、晚期妊娠和围产期、重度吸烟，收治定点医院",
        TREATMENT_NINTH,
    ),
    "triage.icu_classes": (["severe", "critical"], "", "收入重症监护床位（ICU）的分型", TREATMENT_NINTH),
    "data.upload_retention_days": (
        30,
        "天",
        "上传的导入文件、检测结果文件及其错误报告的保存天数；期满由定时任务删除（任务记录和计数保留）",
        LOCAL,
    ),
    "discharge.tests_required": (2, "次", "出院须连续检测次数", NINTH),
    "discharge.min_hours_between_tests": (24, "h", "两次检测间隔", NINTH),
    "discharge.ct_threshold": (35, "Ct", "出院检测 Ct 值不低于此值或阴性", NINTH),
    "discharge.home_monitoring_days": (7, "天", "出院后居家健康监测天数", NINTH),
    "discharge.clinical_classes": (
        ["moderate", "severe", "critical"],
        "",
        "出院还须满足临床条件的分型（按病程中最重分型）",
        TREATMENT_NINTH,
    ),
    "discharge.clinical_criteria": (
        ["afebrile_3_days", "respiratory_improved", "imaging_improved"],
        "",
        "体温恢复正常 3 天以上；呼吸道症状明显好转；肺部影像学显示急性渗出性病变明显改善",
        TREATMENT_NINTH,
    ),
    # 民生保障 (fangkong.livelihood): request deadlines and the one-off voucher of seed 003.
    "livelihood.request_deadline_hours": (
        {"goods": 24, "medicine": 4, "medical_visit": 2},
        "h",
        "居民需求自登记至送达（就医：至安排就医）的时限，按需求类型：生活物资、药品、就医",
        f"{LOCAL}（{LAST_METRE}、{SEED_003}：药品、就医须数小时内办结）",
    ),
    "livelihood.cover_alert_days": (
        3,
        "天",
        "物资可用天数（结存 ÷ 近 7 天日均出库）低于此值即提示库存不足并通知仓库所属区县和指挥部",
        LOCAL,
    ),
    "voucher.amount": ("200.00", "元", "一次性消费券金额（或等价生活物资）", SEED_003),
    "voucher.hukou_prefix": ("1501", "", "户籍地行政区划代码前缀：呼和浩特市户籍", SEED_003),
    "voucher.age_reference_date": ("2022-11-27", "", "计算周岁的基准日（发放方案设立时可改）", LOCAL),
    "voucher.rules": (
        [
            {
                "code": "dibao_disabled_60",
                "min_age": 60,
                "family_status": ["dibao", "dibao_edge"],
                "disability_level": ["moderate", "severe"],
                "label": "60 周岁以上城乡低保家庭及低保边缘家庭中的中度、重度失能失智老人",
            },
            {"code": "tekun_dispersed_65", "min_age": 65, "family_status": ["tekun_dispersed"], "label": "65 周岁以上城乡特困分散供养人员"},
            {
                "code": "special_70",
                "min_age": 70,
                "any_of": {
                    "tags": ["jisheng_tefu", "elderly_alone", "disabled_on_duty", "bravery"],
                    "model_worker_level": ["municipal", "provincial", "national"],
                },
                "label": "70 周岁以上计生特扶老人、独居老人、市级以上劳动模范获得者、因公致残或见义勇为人员",
            },
            {
                "code": "dibao_80",
                "min_age": 80,
                "family_status": ["dibao", "dibao_edge"],
                "label": "80 周岁以上城乡低保家庭及低保边缘家庭中的老人",
            },
        ],
        "",
        "一次性消费券发放对象（呼和浩特市户籍），满足任一条即可",
        SEED_003,
    ),
}

PROFILES: list[dict[str, Any]] = [
    {
        "code": "early-2020",
        "name": "早期防控方案（2020）",
        "version": "2020",
        "effective_from": "2020-01-28",
        "source": EARLY,
        "parameters": {
            **COMMON,
            "close_contact.central_days": (14, "天", "密接集中医学观察天数", EARLY),
            "close_contact.home_days": (0, "天", "解除集中隔离后居家天数", EARLY),
            "close_contact.home_mode": ("none", "", "居家阶段管理方式", EARLY),
            "close_contact.central_test_days": ([1, 14], "第 N 天", "集中隔离期间检测日", LOCAL),
            "close_contact.home_test_days": ([], "第 N 天", "居家阶段检测日", EARLY),
            "secondary_contact.traced": (True, "", "是否追踪次密接", EARLY),
            "secondary_contact.home_days": (14, "天", "次密接居家观察天数", LOCAL),
            "secondary_contact.test_days": ([1, 14], "第 N 天", "次密接检测日", LOCAL),
            "risk.levels": ([], "", "风险等级", EARLY),
            "risk.high_area_unit": ("compound", "", "高风险区划定单位", LOCAL),
            "risk.high_lift_clean_days": (14, "天", "高风险区解除须连续无新增天数", LOCAL),
            "risk.high_lift_to": ("low", "", "高风险区解除后降为", LOCAL),
            "risk.medium_lift_clean_days": (0, "天", "中风险区降为低风险须连续无新增天数", LOCAL),
            "risk.area_unit": ("compound", "", "其他风险区域（管控区、防范区）不经说明可划定的最大单位；社区、街道须书面说明理由", LOCAL),
            "movement.departure_barred_classes": (["sealed", "controlled"], "", "封控区、管控区人员不得离开", EARLY),
            "risk.high_lift_screening_days": (2, "天", "封控区解封前最后 N 天内全员核酸阴性", LOCAL),
            "risk.lift_overdue_days": (1, "天", "达到解封条件后仍未解除超过此天数，提示长时间不解封", LOCAL),
            "inbound.central_days": (14, "天", "入境人员集中隔离天数", EARLY),
            "inbound.home_days": (0, "天", "入境人员居家天数", EARLY),
            "inbound.second_quarantine_at_destination": (True, "", "目的地是否再次隔离", LOCAL),
            "inbound.home_mode": ("none", "", "入境人员居家阶段管理方式", EARLY),
            "inbound.central_test_days": ([1, 14], "第 N 天", "入境人员集中隔离期间检测日", LOCAL),
            "inbound.home_test_days": ([], "第 N 天", "入境人员居家阶段检测日", EARLY),
            "inbound.isolation_deadline": ("same_day", "", "入境人员抵达当日闭环转运至第一入境点集中隔离场所", LOCAL),
            "pooling.sealed": ("single", "", "封控区采样方式", LOCAL),
            "pooling.controlled": (10, "人/管", "管控区混采", LOCAL),
            "pooling.precaution": (10, "人/管", "防范区混采", LOCAL),
            "over_enforcement.forbidden": ([], "", "明令禁止的层层加码做法", EARLY),
        },
    },
    {
        "code": "ninth-edition",
        "name": "防控方案（第九版）",
        "version": "9",
        "effective_from": "2022-06-28",
        "source": NINTH,
        "parameters": {
            **COMMON,
            "close_contact.central_days": (7, "天", "密接集中隔离天数", NINTH),
            "close_contact.home_days": (3, "天", "解除集中隔离后居家健康监测天数", NINTH),
            "close_contact.home_mode": ("home_health_monitoring", "", "居家阶段管理方式", NINTH),
            "close_contact.central_test_days": ([1, 2, 3, 5, 7], "第 N 天", "集中隔离期间检测日", NINTH),
            "close_contact.home_test_days": ([3], "第 N 天", "居家阶段检测日", NINTH),
            "secondary_contact.traced": (True, "", "是否追踪次密接", NINTH),
            "secondary_contact.home_days": (7, "天", "次密接居家隔离天数", NINTH),
            "secondary_contact.test_days": ([1, 4, 7], "第 N 天", "次密接检测日", NINTH),
            "risk.levels": (["high", "medium", "low"], "", "风险等级", NINTH),
            "risk.high_area_unit": ("compound", "", "高风险区划定单位", NINTH),
            "risk.high_lift_clean_days": (7, "天", "高风险区连续无新增天数且第 7 天筛查阴性后降为中风险", NINTH),
            "risk.high_lift_to": ("medium", "", "高风险区解除后降为", NINTH),
            "risk.medium_lift_clean_days": (3, "天", "中风险区再连续无新增天数后降为低风险", NINTH),
            "risk.area_unit": ("compound", "", "其他风险区域不经说明可划定的最大单位；社区、街道须书面说明理由", LOCAL),
            "movement.departure_barred_classes": (["sealed", "controlled"], "", "高、中风险区人员不得离开所在地", NINTH),
            "risk.high_lift_screening_days": (1, "天", "第 7 天区域内全员核酸筛查阴性（最后 N 天内）", NINTH),
            "risk.lift_overdue_days": (1, "天", "达到解封条件后仍未解除超过此天数，提示长时间不解封", LOCAL),
            "inbound.central_days": (7, "天", "入境人员集中隔离天数", NINTH),
            "inbound.home_days": (3, "天", "入境人员居家健康监测天数", NINTH),
            "inbound.second_quarantine_at_destination": (False, "", "目的地是否再次隔离", LOCAL),
            "inbound.home_mode": ("home_health_monitoring", "", "入境人员居家阶段管理方式", NINTH),
            "inbound.central_test_days": ([1, 2, 3, 5, 7], "第 N 天", "入境人员集中隔离期间检测日", NINTH),
            "inbound.home_test_days": ([3], "第 N 天", "入境人员居家健康监测期间检测日", NINTH),
            "inbound.isolation_deadline": ("same_day", "", "入境人员抵达当日闭环转运至第一入境点集中隔离场所", LOCAL),
            "pooling.sealed": ("single_or_household", "", "封控区：单采单检或 1 户 1 管", NINTH),
            "pooling.controlled": (10, "人/管", "管控区 10 合 1 混采", NINTH),
            "pooling.precaution": (20, "人/管", "防范区 20 合 1 混采", NINTH),
            "over_enforcement.forbidden": ([], "", "明令禁止的层层加码做法", NINTH),
        },
    },
    {
        "code": "twenty-measures",
        "name": "优化防控二十条措施",
        "version": "20条",
        "effective_from": "2022-11-11",
        "source": f"{TWENTY}; {SEED_000}",
        "parameters": {
            **COMMON,
            "close_contact.central_days": (5, "天", "密接集中隔离天数（5 天集中隔离）", f"{TWENTY}; {SEED_000}"),
            "close_contact.home_days": (3, "天", "解除集中隔离后居家隔离天数（+3 天居家隔离）", f"{TWENTY}; {SEED_000}"),
            "close_contact.home_mode": ("home_isolation", "", "居家阶段管理方式", TWENTY),
            "close_contact.central_test_days": ([1, 2, 3, 5], "第 N 天", "集中隔离第 1、2、3、5 天各检测 1 次", SEED_000),
            "close_contact.home_test_days": ([1, 3], "第 N 天", "居家隔离第 1、3 天检测", TWENTY),
            "secondary_contact.traced": (False, "", "不再判定次密接", TWENTY),
            "secondary_contact.home_days": (0, "天", "次密接居家隔离天数", TWENTY),
            "secondary_contact.test_days": ([], "第 N 天", "次密接检测日", TWENTY),
            "risk.levels": (["high", "low"], "", "风险等级（取消中风险区）", TWENTY),
            "risk.high_area_unit": ("building", "", "高风险区原则上以单元、楼栋为单位划定，不得随意扩大", f"{TWENTY}; {SEED_000}"),
            "risk.high_lift_clean_days": (5, "天", "连续 5 天无新增且第 5 天全员核酸阴性后降为低风险", TWENTY),
            "risk.high_lift_to": ("low", "", "高风险区解除后降为", TWENTY),
            "risk.medium_lift_clean_days": (0, "天", "中风险区（已取消）", TWENTY),
            "risk.area_unit": ("compound", "", "其他风险区域不经说明可划定的最大单位；社区、街道须书面说明理由", LOCAL),
            "movement.departure_barred_classes": (["sealed"], "", "高风险区人员不得离开（取消中风险区）", TWENTY),
            "risk.high_lift_screening_days": (1, "天", "第 5 天区域内全员核酸筛查阴性（最后 N 天内）", TWENTY),
            "risk.lift_overdue_days": (1, "天", "达到解除条件后仍未解除超过此天数，提示长时间不解封（层层加码）", f"{TWENTY}; {SEED_000}"),
            "inbound.central_days": (5, "天", "入境人员集中隔离天数", f"{TWENTY}; {SEED_000}"),
            "inbound.home_days": (3, "天", "入境人员居家隔离天数", f"{TWENTY}; {SEED_000}"),
            "inbound.second_quarantine_at_destination": (False, "", "入境人员在第一入境点解除隔离后，目的地不再重复隔离", TWENTY),
            "inbound.home_mode": ("home_isolation", "", "入境人员居家阶段管理方式（居家隔离）", f"{TWENTY}; {SEED_000}"),
            "inbound.central_test_days": ([1, 2, 3, 5], "第 N 天", "入境人员集中隔离第 1、2、3、5 天各检测 1 次", TWENTY),
            "inbound.home_test_days": ([1, 3], "第 N 天", "入境人员居家隔离第 1、3 天检测", TWENTY),
            "inbound.isolation_deadline": ("same_day", "", "入境人员抵达当日闭环转运至第一入境点集中隔离场所", LOCAL),
            "pooling.sealed": ("single_or_household", "", "高风险区：单采单检或 1 户 1 管", NINTH),
            "pooling.controlled": (10, "人/管", "10 合 1 混采", NINTH),
            "pooling.precaution": (20, "人/管", "20 合 1 混采", NINTH),
            "over_enforcement.forbidden": (
                ["arbitrary_lockdown", "silence", "prolonged_sealing", "testing_twice_a_day"],
                "",
                "严禁随意封校停课、停工停产、未经批准阻断交通、随意采取静默、随意封控、长时间不解封、随意停诊等层层加码做法",
                f"{TWENTY}; {SEED_000}",
            ),
        },
    },
]

DEFAULT_ACTIVE = "twenty-measures"


def load_builtin_profiles(profile_model: Any, parameter_model: Any) -> None:
    """Create or refresh the shipped profiles (used by the data migration and by tests)."""
    for spec in PROFILES:
        profile, _ = profile_model.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "version": spec["version"],
                "effective_from": spec["effective_from"],
                "source": spec["source"],
                "is_builtin": True,
            },
        )
        for key, (value, unit, description, source) in spec["parameters"].items():
            parameter_model.objects.update_or_create(
                profile=profile, key=key, defaults={"value": value, "unit": unit, "description": description, "source": source}
            )
    if not profile_model.objects.filter(is_active=True).exists():
        profile_model.objects.filter(code=DEFAULT_ACTIVE).update(is_active=True)
