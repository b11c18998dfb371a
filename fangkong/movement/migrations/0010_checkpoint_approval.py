"""Checkpoints are proposed and approved (or rejected) before shifts and scans: the status, who
decided and when, the approver's note, and a closure's detour notice. Every checkpoint set up before this was in use: it is
migrated as approved (the column is added with that default, which then becomes 'proposed')."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("movement", "0009_batch_vehicles"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="checkpoint",
            name="status",
            field=models.CharField(
                choices=[("proposed", "待审批"), ("approved", "已批准"), ("rejected", "未批准")],
                default="approved",
                max_length=12,
                verbose_name="状态",
            ),
        ),
        migrations.AlterField(
            model_name="checkpoint",
            name="status",
            field=models.CharField(
                choices=[("proposed", "待审批"), ("approved", "已批准"), ("rejected", "未批准")],
                default="proposed",
                max_length=12,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="checkpoint",
            name="decided_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="审批时间"),
        ),
        migrations.AddField(
            model_name="checkpoint",
            name="decided_by",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="checkpoint",
            name="decision_reason",
            field=models.CharField(blank=True, max_length=200, verbose_name="审批意见"),
        ),
        migrations.AddField(
            model_name="checkpoint",
            name="detour_notice",
            field=models.CharField(blank=True, max_length=300, verbose_name="绕行线路公告"),
        ),
    ]
