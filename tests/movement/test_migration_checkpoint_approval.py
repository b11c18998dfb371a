"""Migration movement 0010: the checkpoints set up before the approval step were in use — they are
migrated as approved; one set up after it starts as proposed. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from ..migrator import MigrationExecutor

BEFORE = ("movement", "0009_batch_vehicles")
AFTER = ("movement", "0010_checkpoint_approval")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes("movement")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_checkpoints_are_migrated_as_approved_and_new_ones_start_proposed():
    leaves = latest()
    apps = migrate([BEFORE])
    try:
        Checkpoint = apps.get_model("movement", "Checkpoint")
        Checkpoint.objects.create(name="金桥收费站卡口", road="G6")
        Checkpoint.objects.create(
            name="G110 国道小黑河检测点", road="G110", closes_trunk_road=True, approval_reference="呼疫指〔2022〕17 号"
        )
        apps = migrate([AFTER])
        Checkpoint = apps.get_model("movement", "Checkpoint")
        assert set(Checkpoint.objects.values_list("status", flat=True)) == {"approved"}
        fresh = Checkpoint.objects.create(name="S104 省道保全庄检测点")
        assert fresh.status == "proposed"
    finally:
        migrate(leaves)
        connection.cursor().execute("DELETE FROM movement_checkpoint")
