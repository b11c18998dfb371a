"""Synthetic 快转: facilities and cases at every stage on a small synthetic city with round 8, the
command, and the demo (the hospital account sees its facility's patients)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from fangkong.accounts.models import Grant, GrantLevel, User
from fangkong.audit.models import AuditEvent
from fangkong.cases import events
from fangkong.cases.choices import (
    TRANSFER_IN_FLIGHT,
    BedType,
    CaseSource,
    CaseStatus,
    Classification,
    FacilityKind,
    MonitoringStatus,
    TransferReason,
    TransferStatus,
)
from fangkong.cases.models import Case, CaseTest, Discharge, FacilityBeds, HealthMonitoring, Transfer, TreatmentFacility
from fangkong.cases.selectors import case_list, transfer_board
from fangkong.cases.synthetic import DEMO_FACILITIES, PLANNER_USERNAME, cases_generate
from fangkong.core.errors import DomainError
from fangkong.geo.synthetic import city_generate
from fangkong.testing.choices import PositiveStatus
from fangkong.testing.models import ConfirmedPositive
from fangkong.testing.synthetic import round_generate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("beijing_afternoon")]  # demo data "earlier today"

PEOPLE = 3_000


@pytest.fixture
def city():
    city_generate(actor=None, people=PEOPLE, seed=7)
    round_generate(seed=7)


def planner() -> User:
    return User.objects.get(username=PLANNER_USERNAME)


def test_facilities_and_cases_at_every_stage(city):
    now = timezone.now()
    stats = cases_generate()

    # Six facilities: two designated hospitals with ICU beds, four Fangcang; one nearly full.
    kinds = dict(TreatmentFacility.objects.values_list("kind").annotate(n=Count("id")).order_by())
    assert kinds == {FacilityKind.HOSPITAL: 2, FacilityKind.FANGCANG: 4} and stats.facilities == 6
    assert TreatmentFacility.objects.order_by("id").first().name == DEMO_FACILITIES[0].name
    icu = FacilityBeds.objects.filter(bed_type=BedType.ICU)
    assert set(icu.values_list("facility__kind", flat=True)) == {FacilityKind.HOSPITAL}
    assert all(b.capacity >= 300 for b in FacilityBeds.objects.filter(bed_type=BedType.GENERAL))

    # Beds: occupied = patients admitted there (plus the ward count reconciled before the platform).
    before = {s.name: s.occupied_before for s in DEMO_FACILITIES}
    rows = Case.objects.filter(status=CaseStatus.ADMITTED).values_list("facility__name", "bed_type").annotate(n=Count("id")).order_by()
    admitted = {(name, bed): n for name, bed, n in rows}
    for b in FacilityBeds.objects.select_related("facility"):
        assert b.occupied == before[b.facility.name] + admitted.get((b.facility.name, b.bed_type), 0) <= b.capacity

    # The queue is consumed: every positive of round 8 is a case.
    positives = ConfirmedPositive.objects.all()
    assert positives.count() == stats.from_queue > 0
    assert set(positives.values_list("status", flat=True)) == {PositiveStatus.HANDED_OVER}
    assert 30 <= stats.by_hand <= 60 and stats.cases == Case.objects.count()

    # Every stage of a case and of a transfer.
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    in_flight = Transfer.objects.filter(status__in=TRANSFER_IN_FLIGHT)
    assert set(in_flight.values_list("status", flat=True)) == set(TRANSFER_IN_FLIGHT)
    assert in_flight.filter(deadline_at__lt=now).exists() and in_flight.filter(deadline_at__gt=now).exists()
    assert stats.overdue == in_flight.filter(deadline_at__lt=now).count() >= 3
    refused = Transfer.objects.filter(status=TransferStatus.REFUSED)
    assert refused.count() == stats.refused == 2 and all(t.refused_reason for t in refused)
    again = Transfer.objects.filter(reason=TransferReason.AFTER_REFUSAL)
    assert {t.status for t in again} == {TransferStatus.AWAITING, TransferStatus.ADMITTED}
    assert all(t.deadline_at == t.previous.deadline_at for t in again)
    assert Transfer.objects.filter(reason=TransferReason.RECLASSIFIED, status=TransferStatus.ADMITTED).count() == 2
    assert Transfer.objects.filter(reason=TransferReason.REOPENED, status=TransferStatus.AWAITING).count() == 1
    assert Case.objects.filter(status=CaseStatus.ADMITTED, bed_type=BedType.ICU, classification=Classification.SEVERE).count() == 1
    assert Case.objects.filter(is_imported=True).count() == 1
    assert Case.objects.filter(reporting_facility__isnull=False, status=CaseStatus.ADMITTED).exists()
    assert set(Case.objects.values_list("source", flat=True)) >= {CaseSource.QUEUE, CaseSource.HOSPITAL_REPORT, CaseSource.EXTERNAL_NOTICE}

    # Home monitoring: in progress, completed (case closed), and one reopened.
    monitoring = dict(HealthMonitoring.objects.values_list("status").annotate(n=Count("id")).order_by())
    assert monitoring[MonitoringStatus.ACTIVE] == stats.monitoring_active >= 5
    assert monitoring[MonitoringStatus.COMPLETED] == stats.monitoring_completed == Case.objects.filter(status=CaseStatus.CLOSED).count()
    assert monitoring[MonitoringStatus.REOPENED] == stats.reopened == 1
    assert Discharge.objects.count() == HealthMonitoring.objects.count()
    assert CaseTest.objects.filter(phase="monitoring").exists() and CaseTest.objects.filter(phase="treatment", result="positive").exists()

    # Every time is in the past, over the past ten days or so.
    earliest = Case.objects.order_by("confirmed_at").first().confirmed_at
    assert now - dt.timedelta(days=12) < earliest < now - dt.timedelta(days=9)
    for model, fields in (
        (Case, ("confirmed_at", "opened_at", "admitted_at", "discharged_at", "closed_at")),
        (Transfer, ("queued_at", "dispatched_at", "picked_up_at", "admitted_at", "refused_at")),
        (CaseTest, ("sampled_at", "reported_at")),
        (HealthMonitoring, ("starts_at", "completed_at", "reopened_at")),
    ):
        for f in fields:
            latest = model.objects.exclude(**{f: None}).order_by(f"-{f}").values_list(f, flat=True).first()
            assert latest is None or latest <= timezone.now(), (model, f)

    # Through the services: audited, each facility's admissions by its own account.
    admitted_by = set(Transfer.objects.filter(status=TransferStatus.ADMITTED).values_list("admitted_by__username", flat=True))
    assert admitted_by and all(u.startswith("synthetic-facility-") for u in admitted_by)
    assert AuditEvent.objects.filter(event_type=events.OPENED).count() == stats.by_hand
    assert AuditEvent.objects.filter(event_type=events.TRANSFER_ADMITTED).count() == Transfer.objects.filter(status="admitted").count()
    assert not planner().has_usable_password()
    assert f"{timezone.localtime(now).date() - dt.timedelta(days=1):%-m月%-d日}0—24时" in stats.day_zh


def snapshot() -> list[tuple]:
    return sorted(
        Case.objects.values_list("person_id", "status", "classification", "facility__name", "confirmed_at", "found_in", "source_note")
    )


def test_same_seed_and_time_same_cases_another_seed_others(city):
    class Undo(Exception):
        pass

    now = timezone.now() - dt.timedelta(minutes=5)
    taken = []
    for seed in (3, 3, 4):
        with pytest.raises(Undo), transaction.atomic():
            cases_generate(seed=seed, now=now)
            taken.append(snapshot())
            raise Undo
    assert taken[0] == taken[1]
    assert {r[0] for r in taken[0]} != {r[0] for r in taken[2]}


def test_refusals_and_the_command(city):
    out = StringIO()
    call_command("make_cases", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "定点医院/方舱医院 facilities: 6" in text and "待转运 open" in text and "0—24时" in text
    with pytest.raises(CommandError, match="已有病例"):
        call_command("make_cases", "--no-progress", verbosity=0)
    with pytest.raises(DomainError, match="已有病例"):
        cases_generate()


def test_refuses_an_empty_registry():
    with pytest.raises(CommandError, match="make_city"):
        call_command("make_cases", "--no-progress", verbosity=0)
    assert not TreatmentFacility.objects.exists()


@pytest.mark.slow
def test_demo_generates_cases_and_the_hospital_account_sees_its_patients():
    call_command("demo", "--no-serve", "--people", "2000", verbosity=0)
    first = TreatmentFacility.objects.get(name=DEMO_FACILITIES[0].name)
    grants = set(Grant.objects.filter(user__username="hospital").values_list("level", "place_id", "facility_kind"))
    assert grants == {(GrantLevel.FACILITY, first.pk, "treatment")}
    account = User.objects.get(username="hospital")
    mine = case_list(user=account)
    assert mine.filter(status=CaseStatus.ADMITTED, facility=first).exists()
    assert set(mine.values_list("facility_id", flat=True)) <= {first.pk, None}
    assert all(i.transfer.assigned_facility_id == first.pk for i in transfer_board(user=account))
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert f"{first.name}（定点医院）" in out.getvalue()
    cases = Case.objects.count()
    call_command("demo", "--no-serve", "--people", "2000", verbosity=0)  # a second run keeps the cases and the grant
    assert Case.objects.count() == cases and TreatmentFacility.objects.count() == 6
    assert set(Grant.objects.filter(user__username="hospital").values_list("level", "place_id", "facility_kind")) == grants
