"""Races between samplers on PostgreSQL (SQLite runs one write transaction at a time)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from fangkong.core.errors import DomainError
from fangkong.testing.choices import PoolingMode
from fangkong.testing.models import Tube, TubeMember
from fangkong.testing.services import Binding, bulk_bind

from .factories import at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_person_posted_into_two_tubes_at_once_is_sampled_once_and_refused_once(setup, users):
    """Two phones sample the same resident at the same moment into two new tubes: one wins, the
    other gets a refusal (not a server error), and nothing of the loser's request is written."""
    person = setup.ten[0]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def post(barcode: str) -> None:
        try:
            barrier.wait()
            bulk_bind(
                actor=users["community"], testing_round=setup.round, sampling_point=setup.point, pooling_mode=PoolingMode.POOLED_10,
                bindings=[Binding(barcode=barcode, person_id=person.pk)], at=at(1),
            )  # fmt: skip
            outcomes.append("bound")
        except DomainError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(b,)) for b in ("RACE-A", "RACE-B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes)[0] == "bound" and len(outcomes) == 2
    refusal = sorted(outcomes)[1]
    assert "不能重复采样" in refusal
    assert TubeMember.objects.filter(person=person).count() == 1
    assert Tube.objects.filter(barcode__startswith="RACE").count() == 1
