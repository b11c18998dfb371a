"""What 快转 tells the rest of the platform about a person: the tests of their case (a source of
fangkong.results.history) and whether they were a case under care or in home health monitoring at
a time (states of fangkong.geo.person_states), and the cases section of their record
(fangkong.geo.person_record). Registered from ready()."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.sql import any_of, table
from fangkong.geo.person_record import Entry
from fangkong.geo.person_states import PersonState, StateKind
from fangkong.results.history import TestEntry

from .choices import CaseStatus
from .models import Case, CaseTest, HealthMonitoring


def case_tests(person_ids: Sequence[int], before: dt.datetime | None) -> Iterator[TestEntry]:
    qs = CaseTest.objects.filter(any_of("case__person_id", list(person_ids))).select_related("case")
    if before is not None:
        qs = qs.filter(sampled_at__lte=before)
    for t in qs:
        yield TestEntry(
            person_id=t.case.person_id,
            sampled_at=t.sampled_at,
            resulted_at=t.reported_at,
            result=t.result,
            source="case",
            label=_("病例 #%(n)s %(phase)s检测") % {"n": t.case_id, "phase": t.get_phase_display()},
            ref=f"cases.casetest:{t.pk}",
            ct=t.ct_min,
        )


def case_relation(people: str) -> str:
    """case_tests as SQL (fangkong.results.history.Relation): a case's tests (as fetched with a `before`:
    sampled ones)."""
    test, case = table(CaseTest), table(Case)
    return (
        f"SELECT c.person_id AS person_id, t.sampled_at AS sampled_at, t.reported_at AS resulted_at, t.result AS result, "
        f"FALSE AS pooled FROM {test} t JOIN {case} c ON c.id = t.case_id "
        f"WHERE t.sampled_at IS NOT NULL AND c.person_id IN ({people})"
    )


def case_states(person_ids: Sequence[int], at: dt.datetime) -> Iterator[PersonState]:
    """A case from its confirmation until discharge (or its withdrawal/closing); home health
    monitoring from its start until completed or reopened."""
    cases = (
        Case.objects.filter(any_of("person_id", list(person_ids)), confirmed_at__lte=at)
        .exclude(Q(discharged_at__isnull=False, discharged_at__lte=at) | Q(closed_at__isnull=False, closed_at__lte=at))
        .exclude(status=CaseStatus.WITHDRAWN)
        .select_related("facility")
    )
    for c in cases:
        where = c.facility.name if c.facility_id else _("待转运")
        in_hospital = c.facility_id and c.status == CaseStatus.ADMITTED
        yield PersonState(
            c.person_id,
            StateKind.CASE,
            _("病例 #%(n)s · %(w)s") % {"n": c.pk, "w": where},
            since=c.confirmed_at,
            ref=f"cases.case:{c.pk}",
            headline=_("住院 · %(h)s") % {"h": c.facility.name} if in_hospital else _("待转运"),
        )
    monitoring = HealthMonitoring.objects.filter(any_of("person_id", list(person_ids)), starts_at__lte=at).exclude(
        Q(completed_at__isnull=False, completed_at__lte=at) | Q(reopened_at__isnull=False, reopened_at__lte=at)
    )
    for m in monitoring:
        yield PersonState(
            m.person_id,
            StateKind.HEALTH_MONITORING,
            _("居家健康监测"),
            since=m.starts_at,
            until=m.ends_at,
            ref=f"cases.healthmonitoring:{m.pk}",
            days=m.days,
        )


# Case steps that read as a warning or a good end on a person's record.
_TONES = {"case_opened": "danger", "refused": "warning", "reopened": "danger", "discharged": "success", "monitoring_completed": "success"}


def case_entries(user: Any, person: Any) -> Iterator[Entry]:
    """The person's cases, classifications, transfers, discharge and home health monitoring (the case
    timeline's steps without its tests, which the record shows with every other test)."""
    from .selectors import case_steps

    for step in case_steps(user=user, person=person, tests=False) or ():
        link = reverse("cases:case_detail", args=[step.case_id]) if step.case_id else ""
        yield Entry(step.at, step.kind, step.label, step.detail, step.actor, link, _TONES.get(step.kind, ""), step.order)


def register() -> None:
    from fangkong.geo.person_record import Section, sections
    from fangkong.geo.person_states import states
    from fangkong.results.history import sources

    from .permissions import CasesCap

    sources.register("case", case_tests, need=(CasesCap.VIEW,), relation=case_relation)
    states.register("cases", case_states, need=(CasesCap.VIEW,))
    sections.register(Section("cases", gettext_lazy("病例与转运"), "truck", case_entries, need=(CasesCap.VIEW,), order=30))
