"""The default checklists per kind of place and the rounds a day (seed 002: 督导组…对市四区封控、管控小区
等重点场所开展一天3轮督导检查). Data: a city edits the items and the rounds without a code change."""

from django.db import migrations

CITATION = "社会管控工作督导组对封控、管控小区等重点场所开展一天3轮督导检查（2022年2月）"

ROUNDS = {
    "sealed_area": (3, CITATION),
    "controlled_area": (3, CITATION),
    "isolation_site": (1, ""),
    "sampling_point": (1, ""),
    "checkpoint": (1, ""),
}

ITEMS = {
    "sealed_area": [
        ("gate", "小区出入口封闭，只留一个出入口并24小时值守"),
        ("four_n", "“4+N”管控力量在岗（志愿者、包联干部、保安、政法干警或民兵）"),
        ("stay_home", "居民足不出户，上门服务到位"),
        ("supplies", "生活物资配送到户，特殊困难群体有人包联"),
        ("disinfection", "公共区域按时消杀并有记录"),
        ("testing", "核酸检测不漏一户、不落一人"),
    ],
    "controlled_area": [
        ("gate", "出入口值守，查验核酸证明和体温"),
        ("four_n", "“4+N”管控力量在岗"),
        ("no_gathering", "人不出区、严禁聚集"),
        ("disinfection", "公共区域按时消杀并有记录"),
        ("testing", "核酸检测按要求完成"),
    ],
    "isolation_site": [
        ("zones", "三区两通道设置规范"),
        ("single_room", "单人单间，隔离人员不串门"),
        ("staff_protection", "工作人员防护和闭环管理到位"),
        ("waste", "医疗废物收集处置规范"),
        ("tests", "隔离人员按期核酸检测"),
    ],
    "sampling_point": [
        ("distance", "排队一米线，人员间隔到位"),
        ("protection", "采样人员防护规范，一人一消毒"),
        ("registration", "扫码登记，不漏采"),
        ("transport", "样本按时送检"),
    ],
    "checkpoint": [
        ("every_vehicle", "逢车必查、逢人必测"),
        ("documents", "查验通行证、健康码和核酸证明"),
        ("duty", "值守人员在岗，交接班有记录"),
        ("fever", "体温异常人员按流程处置"),
    ],
}


def seed(apps, schema_editor):
    Item = apps.get_model("supervision", "ChecklistItem")
    Rule = apps.get_model("supervision", "RoundRule")
    for kind, (rounds, citation) in ROUNDS.items():
        Rule.objects.update_or_create(place_kind=kind, defaults={"rounds_per_day": rounds, "citation": citation})
    for kind, items in ITEMS.items():
        for order, (code, text) in enumerate(items, start=1):
            Item.objects.update_or_create(place_kind=kind, code=code, defaults={"text": text, "order": order})


def unseed(apps, schema_editor):
    apps.get_model("supervision", "ChecklistItem").objects.all().delete()
    apps.get_model("supervision", "RoundRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_supervision_initial")]
    operations = [migrations.RunPython(seed, unseed)]
