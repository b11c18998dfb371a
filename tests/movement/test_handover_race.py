"""The link confirmation racing a resend (PostgreSQL): the sending office's resend locks the batch,
voids the unit's link and issues a new one; a confirmation through the old link that read it before
the resend committed waits on the batch (the same lock order as the resend: the batch, then its
links — the reverse order deadlocked), then checks the locked link again and is refused."""

from __future__ import annotations

import secrets
import threading

import psycopg
import pytest
from django.db import connection

from fangkong.core.errors import DomainError
from fangkong.movement.choices import BatchStatus
from fangkong.movement.models import HandoverLink, TransferBatch
from fangkong.movement.services.handover import batch_receive_by_link, link_token

from .test_handover import departed, ids, link_of, out_of_city  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.postgres]
RESEND_SECONDS = 2  # the resend commits after this long


def _second_connection() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None, dbname=db["NAME"]
    )


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_behind_a_resend_waits_for_it_and_is_refused(city, users, lab, out_of_city):  # noqa: F811
    batch, _ = departed(city, users, lab, out_of_city)
    token = link_token(link_of(batch))
    batches, links = TransferBatch._meta.db_table, HandoverLink._meta.db_table
    resend = _second_connection()
    commits = threading.Timer(RESEND_SECONDS, resend.commit)
    try:
        with resend.cursor() as cur:  # link_resend's transaction, open: the batch locked, the old link voided, a new one
            cur.execute(f"SELECT id FROM {batches} WHERE id = %s FOR UPDATE", [batch.pk])  # noqa: S608
            cur.execute(f"UPDATE {links} SET expires_at = now() WHERE batch_id = %s AND used_at IS NULL", [batch.pk])  # noqa: S608
            cur.execute(
                f"INSERT INTO {links} (batch_id, nonce, created_at, expires_at) VALUES (%s, %s, now(), now() + interval '3 days')",  # noqa: S608
                [batch.pk, secrets.token_hex(16)],
            )
        commits.start()
        with pytest.raises(DomainError) as refused:
            batch_receive_by_link(token=token, count=3, arrived=ids(batch), confirmed_by="临河区 王科长")
        assert refused.value.field == "link"
    finally:
        commits.cancel()
        resend.commit()
        resend.close()
    assert TransferBatch.objects.get(pk=batch.pk).status == BatchStatus.IN_TRANSIT
    assert not HandoverLink.objects.filter(batch=batch, used_at__isnull=False).exists()
