"""The task types of seed 001 (核酸检测, 方舱建设 … 居民保供), as data a coordinator may extend."""

from django.db import migrations

SEED = (
    ("nat_testing", "核酸检测", True),
    ("fangcang_building", "方舱建设", True),
    ("community_registration", "社区登记", True),
    ("data_entry", "数据录入", False),
    ("tracing", "流调追踪", False),
    ("sampling_disinfection", "取样消杀", True),
    ("door_to_door", "入户排查", True),
    ("patient_transport", "接送患者", True),
    ("supply_transport", "物资转运", True),
    ("resident_supply", "居民保供", True),
)


def seed(apps, schema_editor):
    TaskType = apps.get_model("volunteers", "TaskType")
    for code, name, field_work in SEED:
        TaskType.objects.get_or_create(code=code, defaults={"name": name, "field_work": field_work})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
