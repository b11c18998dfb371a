"""Supplies running short raise an alert once per crossing: the record of each crossing
(StockShortage: an item in a warehouse below its days of cover or its low-stock line, from when to
when), and every policy profile gains livelihood.cover_alert_days (3 days, a local default), the days
of cover below which an item is short. Values already set are left as they are."""

import django.db.models.deletion
from django.db import migrations, models

from fangkong.policy.migrating import profile_parameters

add, remove = profile_parameters(["livelihood.cover_alert_days"])


class Migration(migrations.Migration):
    dependencies = [("livelihood", "0012_ledger_figures"), ("policy", "0008_rule_citations")]
    operations = [
        migrations.CreateModel(
            name="StockShortage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("started_at", models.DateTimeField(verbose_name="开始")),
                ("ended_at", models.DateTimeField(blank=True, null=True, verbose_name="恢复")),
                ("quantity", models.BigIntegerField(verbose_name="结存")),
                ("days_of_cover", models.DecimalField(blank=True, decimal_places=1, max_digits=9, null=True, verbose_name="可用天数")),
                ("threshold_days", models.DecimalField(decimal_places=1, max_digits=6, verbose_name="提示天数")),
                ("item", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="livelihood.supplyitem")),
                (
                    "warehouse",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="shortages", to="livelihood.warehouse"
                    ),
                ),
            ],
            options={
                "verbose_name": "库存不足记录",
                "ordering": ["-started_at", "-id"],
                "indexes": [models.Index(fields=["started_at"], name="livelihood_shortage_started")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("ended_at__isnull", True)), fields=("warehouse", "item"), name="livelihood_shortage_one_open"
                    )
                ],
            },
        ),
        migrations.RunPython(add, remove),
    ]
