"""The state machines of choices.py, driven through the services: every allowed move succeeds and
every forbidden one is refused naming its rule, with nothing changed."""

from __future__ import annotations

import itertools

import pytest

from fangkong.cases.choices import (
    CASE_TRANSITIONS,
    MONITORING_TRANSITIONS,
    TRANSFER_TRANSITIONS,
    CaseStatus,
    Classification,
    MonitoringStatus,
    TransferStatus,
)
from fangkong.cases.models import Case, HealthMonitoring, Transfer
from fangkong.cases.services import (
    care_reopen,
    case_discharge,
    case_test_record,
    case_withdraw,
    monitoring_complete,
    transfer_admit,
    transfer_dispatch,
    transfer_pick_up,
    transfer_refuse,
)
from fangkong.core.errors import DomainError

from .factories import at, board_transfer, open_case

END_OF_MONITORING = at(24 * 12)


class Flow:
    """Drives one case of the home community through the loop, at fixed times."""

    def __init__(self, wards, users, person):
        self.wards, self.users = wards, users
        self.case = open_case(users["command"], person, Classification.MILD, confirmed_at=at(0))

    @property
    def command(self):
        return self.users["command"]

    def transfer(self) -> Transfer:
        return board_transfer(self.case)

    def dispatch(self):
        return transfer_dispatch(actor=self.command, transfer=self.transfer(), vehicle="车1", facility=self.wards.fangcang, at=at(1))

    def pick_up(self):
        return transfer_pick_up(actor=self.command, transfer=self.transfer(), at=at(2))

    def admit(self):
        return transfer_admit(actor=self.wards.fangcang_user, transfer=self.transfer(), at=at(3))

    def discharge(self):
        for h in (24, 48):
            case_test_record(actor=self.wards.fangcang_user, case=self.case, result="negative", sampled_at=at(h))
        return case_discharge(actor=self.wards.fangcang_user, case=self.case, at=at(50))

    def monitoring(self) -> HealthMonitoring:
        return HealthMonitoring.objects.filter(case=self.case).latest("id")

    def refresh(self) -> Case:
        self.case.refresh_from_db()
        return self.case


def transfer_in(flow: Flow, status: str) -> Transfer:
    """A transfer of `flow`'s case in `status`, reached through the services."""
    if status == TransferStatus.AWAITING:
        return flow.transfer()
    if status == TransferStatus.CANCELLED:
        t = flow.transfer()
        case_withdraw(actor=flow.command, case=flow.case, reason="结果更正", at=at(1))
        t.refresh_from_db()
        return t
    t = flow.dispatch()
    if status == TransferStatus.REFUSED:
        transfer_refuse(actor=flow.command, transfer=t, reason="满员", at=at(1.5))
        t.refresh_from_db()
        return t
    if status == TransferStatus.DISPATCHED:
        return t
    t = flow.pick_up()
    if status == TransferStatus.PICKED_UP:
        return t
    return flow.admit()


def move_transfer(flow: Flow, t: Transfer, target: str):
    command = flow.command
    if target == TransferStatus.DISPATCHED:
        return transfer_dispatch(actor=command, transfer=t, vehicle="车2", facility=flow.wards.fangcang, at=at(4))
    if target == TransferStatus.PICKED_UP:
        return transfer_pick_up(actor=command, transfer=t, at=at(4))
    if target == TransferStatus.ADMITTED:
        return transfer_admit(actor=command, transfer=t, facility=flow.wards.fangcang, at=at(4))
    if target == TransferStatus.REFUSED:
        return transfer_refuse(actor=command, transfer=t, reason="拒收", at=at(4))
    raise AssertionError(target)


# Targets a service moves a transfer to (awaiting is never a target: a refusal puts a *new* transfer
# on the board; cancelled only follows from the case, tested below).
TRANSFER_TARGETS = (TransferStatus.DISPATCHED, TransferStatus.PICKED_UP, TransferStatus.ADMITTED, TransferStatus.REFUSED)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(TransferStatus.values, TRANSFER_TARGETS)))
def test_transfer_transitions(wards, users, source, target):
    flow = Flow(wards, users, wards.people[0])
    t = transfer_in(flow, source)
    assert t.status == source
    allowed = target in TRANSFER_TRANSITIONS[source]
    if allowed:
        move_transfer(flow, t, target)
        t.refresh_from_db()
        assert t.status == target
    else:
        with pytest.raises(DomainError) as exc:
            move_transfer(flow, t, target)
        assert exc.value.rule in ("cases.transfer_transitions", "cases.transfer_case_closed")
        t.refresh_from_db()
        assert t.status == source


def test_the_transfer_table_is_what_the_services_enforce():
    assert TRANSFER_TRANSITIONS[TransferStatus.AWAITING] == {TransferStatus.DISPATCHED, TransferStatus.ADMITTED, TransferStatus.CANCELLED}
    assert TRANSFER_TRANSITIONS[TransferStatus.DISPATCHED] == {TransferStatus.PICKED_UP, TransferStatus.REFUSED, TransferStatus.CANCELLED}
    assert TRANSFER_TRANSITIONS[TransferStatus.PICKED_UP] == {TransferStatus.ADMITTED, TransferStatus.REFUSED, TransferStatus.CANCELLED}
    for terminal in (TransferStatus.ADMITTED, TransferStatus.REFUSED, TransferStatus.CANCELLED):
        assert TRANSFER_TRANSITIONS[terminal] == frozenset()
    assert all(TransferStatus.AWAITING not in targets for targets in TRANSFER_TRANSITIONS.values())


@pytest.mark.parametrize("source", [TransferStatus.AWAITING, TransferStatus.DISPATCHED, TransferStatus.PICKED_UP])
def test_every_transfer_in_flight_is_cancelled_with_its_case(wards, users, source):
    flow = Flow(wards, users, wards.people[0])
    t = transfer_in(flow, source)
    case_withdraw(actor=flow.command, case=flow.case, reason="结果更正", at=at(3))
    t.refresh_from_db()
    assert t.status == TransferStatus.CANCELLED and t.cancelled_reason


# ---- the case ----


def case_in(flow: Flow, status: str) -> Case:
    if status == CaseStatus.OPEN:
        return flow.refresh()
    if status == CaseStatus.WITHDRAWN:
        case_withdraw(actor=flow.command, case=flow.case, reason="结果更正", at=at(1))
        return flow.refresh()
    flow.dispatch()
    flow.pick_up()
    flow.admit()
    if status == CaseStatus.ADMITTED:
        return flow.refresh()
    flow.discharge()
    if status == CaseStatus.DISCHARGED:
        return flow.refresh()
    monitoring_complete(actor=flow.users["community"], monitoring=flow.monitoring(), at=END_OF_MONITORING)
    return flow.refresh()


def move_case(flow: Flow, target: str):
    users = flow.users
    if target == CaseStatus.ADMITTED:  # admit what is on the board, on the spot
        t = Transfer.objects.filter(case=flow.case).latest("id")
        return transfer_admit(actor=users["command"], transfer=t, facility=flow.wards.fangcang, at=at(60))
    if target == CaseStatus.DISCHARGED:
        return case_discharge(actor=users["command"], case=flow.case, at=at(60))
    if target == CaseStatus.CLOSED:
        m = HealthMonitoring.objects.filter(case=flow.case).order_by("-id").first()
        if m is None:
            raise DomainError("no monitoring", rule="cases.case_transitions")
        return monitoring_complete(actor=users["community"], monitoring=m, at=END_OF_MONITORING)
    if target == CaseStatus.OPEN:
        return care_reopen(actor=users["community"], case=flow.case, reason="复阳", at=at(100))
    if target == CaseStatus.WITHDRAWN:
        return case_withdraw(actor=users["command"], case=flow.case, reason="结果更正", at=at(60))
    raise AssertionError(target)


@pytest.mark.parametrize(("source", "target"), list(itertools.product(CaseStatus.values, CaseStatus.values)))
def test_case_transitions(wards, users, source, target):
    if source == target:
        pytest.skip("staying put is not a transition")
    flow = Flow(wards, users, wards.people[0])
    case = case_in(flow, source)
    assert case.status == source
    if target in CASE_TRANSITIONS[source]:
        if target == CaseStatus.DISCHARGED:
            for h in (24, 48):
                case_test_record(actor=users["command"], case=case, result="negative", sampled_at=at(h))
        move_case(flow, target)
        assert flow.refresh().status == target
    else:
        with pytest.raises(DomainError) as exc:
            move_case(flow, target)
        assert exc.value.rule.startswith("cases.")
        assert flow.refresh().status == source


@pytest.mark.parametrize(("source", "target"), list(itertools.product(MonitoringStatus.values, MonitoringStatus.values)))
def test_monitoring_transitions(wards, users, source, target):
    if source == target or target == MonitoringStatus.ACTIVE and source != MonitoringStatus.ACTIVE:
        # nothing moves a monitoring back to active: care reopened starts a new one at the next discharge
        assert MonitoringStatus.ACTIVE not in MONITORING_TRANSITIONS[source]
        return
    flow = Flow(wards, users, wards.people[0])
    case_in(flow, CaseStatus.DISCHARGED)
    m = flow.monitoring()
    if source == MonitoringStatus.COMPLETED:
        monitoring_complete(actor=users["community"], monitoring=m, at=END_OF_MONITORING)
    elif source == MonitoringStatus.REOPENED:
        care_reopen(actor=users["community"], case=flow.case, reason="复阳", at=at(100))

    def move():
        if target == MonitoringStatus.COMPLETED:
            return monitoring_complete(actor=users["community"], monitoring=m, at=END_OF_MONITORING)
        return care_reopen(actor=users["community"], case=flow.case, reason="复阳", at=at(110))

    if target in MONITORING_TRANSITIONS[source]:
        move()
        m.refresh_from_db()
        assert m.status == target
    else:
        with pytest.raises(DomainError):
            move()
        m.refresh_from_db()
        assert m.status == source
