"""An approval behind a registry import (PostgreSQL): the area's residents are added under a SHARE lock
on people and households (decision 0011), which waits for the import's transaction and, while it
waits, holds every new registration. The approval waits REGISTRY_LOCK_TIMEOUT_SECONDS at most, then
is refused with "retry in a minute" and nothing of it stays; once the import has committed it goes
through."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, transaction
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import DomainError
from fangkong.zoning.choices import AreaClass, AreaStatus
from fangkong.zoning.models import AreaResident, RiskArea, RiskAreaTransition
from fangkong.zoning.services import area_approve, area_propose
from fangkong.zoning.services.deciding import REGISTRY_BUSY, REGISTRY_LOCK_TIMEOUT_SECONDS

pytestmark = [pytest.mark.postgres]
IMPORT_SECONDS = 60  # the import commits after this long (bounds the test: an approval that waits for it fails it)


def _second_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_approval_behind_a_registry_import_is_refused_after_a_few_seconds_and_goes_through_after(twenty, users, block, client):
    area = area_propose(
        actor=users["district"],
        name="3号楼",
        area_class=AreaClass.SEALED,
        places=[("building", block.tree.building.pk)],
        reason="楼内出现阳性",
    )
    transitions, events = RiskAreaTransition.objects.filter(area=area).count(), AuditEvent.objects.count()
    importing = _second_connection()
    commits = threading.Timer(IMPORT_SECONDS, importing.commit)
    try:
        with importing.cursor() as cur:  # an import's open transaction: every INSERT of people holds this until COMMIT
            cur.execute("LOCK TABLE geo_person IN ROW EXCLUSIVE MODE")
        commits.start()
        started = time.monotonic()
        with pytest.raises(DomainError) as refused:
            area_approve(actor=users["command"], area=area)
        waited = time.monotonic() - started
        assert refused.value.rule == REGISTRY_BUSY and "一分钟后重试" in refused.value.message
        assert REGISTRY_LOCK_TIMEOUT_SECONDS - 0.5 < waited < IMPORT_SECONDS
        print(f"approval behind an import refused after {waited:.2f} s")
        # Nothing half-applied: still proposed, no residents, no transition, no audit event.
        area.refresh_from_db()
        assert area.status == AreaStatus.PROPOSED and area.decided_at is None
        assert not AreaResident.objects.filter(area=area).exists()
        assert (RiskAreaTransition.objects.filter(area=area).count(), AuditEvent.objects.count()) == (transitions, events)
        # The command's page: the refusal in words, the area still awaiting its decision.
        client.force_login(users["command"])
        page = client.post(reverse("zoning:area_approve", args=[area.pk]), {"reason": "同意"})
        assert page.status_code == 422 and "人口名册正在更新" in page.content.decode()
        assert RiskArea.objects.get(pk=area.pk).status == AreaStatus.PROPOSED
    finally:
        commits.cancel()
        importing.rollback()  # the import ends
        importing.close()
    with transaction.atomic():
        area_approve(actor=users["command"], area=area)
        with connection.cursor() as cur:  # the wait applied to the lock only: the rest of the transaction keeps the server's setting
            cur.execute("SHOW lock_timeout")
            assert cur.fetchone()[0] == "0"
    area.refresh_from_db()
    assert area.status == AreaStatus.IN_FORCE
    assert set(AreaResident.objects.filter(area=area).values_list("person_id", flat=True)) == {p.pk for p in block.residents}
