"""Rules as people read them: a rule's name, its value in words (是/否, 当日, 普通型、重型) and its unit,
and a stored citation ("testing.result_deadline_hours = 24h — 优化防控二十条措施（20条）：…") split
into that readable line and its 依据 (the rule's code and source, shown folded). The one place that
turns policy values into words: the policy pages, the rounds' and cases' citations all use it."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The values the profiles hold, by what they mean (the same words the domain apps' choices use).
VALUE_LABELS: dict[str, Any] = {
    "same_day": gettext_lazy("当日"),
    "isolation_start_date": gettext_lazy("开始隔离的当日"),
    "day_after_start": gettext_lazy("开始隔离的次日"),
    "asymptomatic": gettext_lazy("无症状感染者"),
    "mild": gettext_lazy("轻型"),
    "moderate": gettext_lazy("普通型"),
    "severe": gettext_lazy("重型"),
    "critical": gettext_lazy("危重型"),
    "underlying_condition": gettext_lazy("合并基础疾病（心脑血管、慢性肺病、糖尿病、慢性肝肾病、肿瘤等）"),
    "immunodeficiency": gettext_lazy("免疫功能缺陷"),
    "obesity": gettext_lazy("肥胖（BMI≥30）"),
    "pregnancy": gettext_lazy("晚期妊娠和围产期"),
    "heavy_smoker": gettext_lazy("重度吸烟"),
    "afebrile_3_days": gettext_lazy("体温恢复正常 3 天以上"),
    "respiratory_improved": gettext_lazy("呼吸道症状明显好转"),
    "imaging_improved": gettext_lazy("肺部影像学显示急性渗出性病变明显改善"),
    "none": gettext_lazy("无居家阶段"),
    "home_isolation": gettext_lazy("居家隔离"),
    "home_health_monitoring": gettext_lazy("居家健康监测"),
    "high": gettext_lazy("高风险"),
    "medium": gettext_lazy("中风险"),
    "low": gettext_lazy("低风险"),
    "compound": gettext_lazy("小区"),
    "building": gettext_lazy("楼栋"),
    "unit": gettext_lazy("单元"),
    "single": gettext_lazy("单采单检"),
    "household": gettext_lazy("1户1管"),
    "single_or_household": gettext_lazy("单采单检或 1 户 1 管"),
    "arbitrary_lockdown": gettext_lazy("随意封控"),
    "silence": gettext_lazy("随意静默"),
    "prolonged_sealing": gettext_lazy("长时间不解封"),
    "testing_twice_a_day": gettext_lazy("一天多检"),
}

UNIT_LABELS: dict[str, Any] = {
    "h": gettext_lazy("小时"),
    "天": gettext_lazy("天"),
    "次": gettext_lazy("次"),
    "岁": gettext_lazy("岁"),
    "人/管": gettext_lazy("人/管"),
    "第 N 天": gettext_lazy("第 N 天"),
    "Ct": "Ct",
}

# Short names of the rules the pages cite beside a decision; other rules are named by their
# parameter's description in the profile.
RULE_LABELS: dict[str, Any] = {
    "pooling.sealed": gettext_lazy("封控区混采方式"),
    "pooling.controlled": gettext_lazy("管控区混采方式"),
    "pooling.precaution": gettext_lazy("防范区混采方式"),
    "testing.result_deadline_hours": gettext_lazy("结果时限"),
    "testing.positive_ct_threshold": gettext_lazy("阳性判定 Ct 值"),
    "transfer.deadline": gettext_lazy("转运时限"),
    "contact.isolation_deadline": gettext_lazy("密接隔离时限"),
    "regimen.day_one": gettext_lazy("隔离第 1 天"),
    "secondary_contact.traced": gettext_lazy("是否追踪次密接"),
}


def unit_label(unit: str) -> str:
    return str(UNIT_LABELS.get(unit, unit))


def value_label(value: Any, unit: str = "") -> str:
    """A rule's value in words: 是/否 for booleans, the labels of enum-like values (lists joined with
    、, 无 when empty), numbers with their unit."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(value_label(v) for v in value) if value else _("无")
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return str(VALUE_LABELS.get(value, value))
    return f"{value} {unit_label(unit)}" if unit else str(value)


def rule_label(key: str) -> str:
    if key in RULE_LABELS:
        return str(RULE_LABELS[key])
    from .models import PolicyParameter

    description = PolicyParameter.objects.filter(key=key, profile__is_active=True).values_list("description", flat=True).first()
    return description or key


@dataclass(frozen=True)
class Citation:
    """A stored citation as shown: `text` (名称：取值) inline, `rule` and `source` in the folded 依据."""

    text: str
    rule: str
    source: str


_CITATION = re.compile(r"^(?P<key>[a-z_]+(?:\.[a-z_0-9]+)+) = (?P<value>.*?) — (?P<source>.*)$", re.S)


def _parse_value(raw: str) -> tuple[Any, str]:
    """The value and unit of a citation's "value+unit" text (Rule.citation writes them run together)."""
    for unit in sorted(UNIT_LABELS, key=len, reverse=True):
        if raw.endswith(unit) and raw != unit:
            number = raw[: -len(unit)].strip()
            if re.fullmatch(r"-?\d+(\.\d+)?", number):
                return number, unit
    try:
        return ast.literal_eval(raw), ""
    except (ValueError, SyntaxError):
        return raw, ""


def citation(text: str) -> Citation:
    """Split a Rule.citation ("key = value+unit — profile（version）：source") into its readable line
    and its 依据; any other text (a hand-set note: "手工设定") is shown as it is."""
    match = _CITATION.match(text or "")
    if not match:
        return Citation(text or "", "", "")
    key = match["key"]
    value, unit = _parse_value(match["value"].strip())
    shown = f"{value} {unit_label(unit)}" if unit else value_label(value)
    return Citation(_("%(rule)s：%(value)s") % {"rule": rule_label(key), "value": shown}, key, text)
