"""Two dispatchers at once can never put two people in the last bed (PostgreSQL, real threads, each
with its own connection and transaction)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from fangkong.cases.choices import CaseStatus, Classification, TransferStatus
from fangkong.cases.models import Case, Transfer
from fangkong.cases.services import transfer_admit, transfer_dispatch, transfer_pick_up
from fangkong.core.errors import DomainError

from .factories import at, beds, board_transfer, open_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _on_the_doorstep(wards, users, people) -> list[Transfer]:
    """Severe patients picked up for the hospital's single ICU bed."""
    out = []
    for i, person in enumerate(people):
        case = open_case(users["command"], person, Classification.SEVERE)
        t = transfer_dispatch(
            actor=users["command"], transfer=board_transfer(case), vehicle=f"车{i}", facility=wards.hospital, bed_type="icu", at=at(1)
        )
        out.append(transfer_pick_up(actor=users["command"], transfer=t, at=at(2)))
    return out


def _run(target, args_list):
    outcomes: list[object] = [None] * len(args_list)

    def work(i, args):
        try:
            outcomes[i] = target(*args)
        except Exception as exc:  # noqa: BLE001 — recorded and asserted on
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_many_admissions_race_for_the_last_bed_and_exactly_one_wins(wards, users):
    transfers = _on_the_doorstep(wards, users, wards.people[:6])
    assert beds(wards.hospital, "icu") == (0, 1)
    start = threading.Barrier(len(transfers))

    def admit(t):
        start.wait()
        return transfer_admit(actor=wards.hospital_user, transfer=t, at=at(3))

    outcomes = _run(admit, [(t,) for t in transfers])
    won = [o for o in outcomes if isinstance(o, Transfer)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(won) == 1 and len(refused) == len(transfers) - 1, outcomes
    assert all(e.rule == "cases.bed_capacity" for e in refused)
    assert beds(wards.hospital, "icu") == (1, 1)
    assert Case.objects.filter(status=CaseStatus.ADMITTED).count() == 1
    assert Transfer.objects.filter(status=TransferStatus.ADMITTED).count() == 1
    assert Transfer.objects.filter(status=TransferStatus.PICKED_UP).count() == len(transfers) - 1


def test_the_second_admission_waits_for_the_first_and_then_finds_the_bed_taken(wards, users):
    """Deterministic interleaving: A takes the bed and holds its transaction open; B's conditional
    UPDATE blocks on the row, and once A commits it re-reads occupied = capacity and is refused."""
    first, second = _on_the_doorstep(wards, users, wards.people[:2])
    a_holds_the_bed, a_may_commit = threading.Event(), threading.Event()

    def a():
        with transaction.atomic():
            transfer_admit(actor=wards.hospital_user, transfer=first, at=at(3))
            a_holds_the_bed.set()
            assert a_may_commit.wait(30)
        return "committed"

    def b():
        assert a_holds_the_bed.wait(30)
        return transfer_admit(actor=wards.hospital_user, transfer=second, at=at(3))

    results: dict[str, object] = {}

    def run(name, fn):
        try:
            results[name] = fn()
        except Exception as exc:  # noqa: BLE001
            results[name] = exc
        finally:
            connection.close()

    ta, tb = threading.Thread(target=run, args=("a", a)), threading.Thread(target=run, args=("b", b))
    ta.start()
    tb.start()
    assert a_holds_the_bed.wait(30)
    tb.join(timeout=1.0)
    assert tb.is_alive(), "B should be waiting on the bed row while A holds it"
    a_may_commit.set()
    ta.join(30)
    tb.join(30)
    assert results["a"] == "committed"
    assert isinstance(results["b"], DomainError) and results["b"].rule == "cases.bed_capacity"
    assert beds(wards.hospital, "icu") == (1, 1)
    second.refresh_from_db()
    assert second.status == TransferStatus.PICKED_UP


def test_the_same_patient_admitted_twice_at_once_takes_one_bed(wards, users):
    (t,) = _on_the_doorstep(wards, users, wards.people[:1])
    start = threading.Barrier(2)

    def admit(transfer):
        start.wait()
        return transfer_admit(actor=wards.hospital_user, transfer=transfer, at=at(3))

    outcomes = _run(admit, [(t,), (t,)])
    assert sum(isinstance(o, Transfer) for o in outcomes) == 1
    (refusal,) = [o for o in outcomes if isinstance(o, DomainError)]
    assert refusal.rule == "cases.transfer_transitions"
    assert beds(wards.hospital, "icu") == (1, 1)
