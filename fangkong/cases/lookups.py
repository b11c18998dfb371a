"""快转's answers to the modules above it: 流调 and 快隔 read cases and transfers through these
functions, never through 快转's models (decision 0006, "reading across apps").

Each answers one question, set-based where a caller asks for many: the cases a user sees, a person's
active case, a case's facts (person, status, confirmation, first admission), when each case was
first picked up, a case's latest transfer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db.models import Min, QuerySet

from fangkong.core.sql import any_of, chunks

from .choices import CASE_ACTIVE, CaseStatus
from .models import Case, Transfer


class CaseFacts(NamedTuple):
    person_id: int
    status: str
    confirmed_at: dt.datetime
    first_admitted_at: dt.datetime | None


def cases_visible_to(user: Any) -> QuerySet[Case]:
    """The cases a user sees (their jurisdiction, or their hospital's patients)."""
    return Case.objects.visible_to(user)


def visible_case_ids(user: Any, ids: Iterable[int]) -> set[int]:
    """Which of these cases the user sees."""
    seen: set[int] = set()
    for chunk in chunks(sorted(set(ids))):
        seen.update(cases_visible_to(user).filter(any_of("pk", chunk)).order_by().values_list("pk", flat=True))
    return seen


def visible_case(user: Any, pk: int) -> Case | None:
    """The case with its person if the user sees it, else None (the caller words the refusal)."""
    return cases_visible_to(user).select_related("person").filter(pk=pk).first()


def people_with_cases() -> set[int]:
    """Everyone who has, or had, a case (withdrawn ones too): the people a synthetic story leaves out."""
    return set(Case.objects.values_list("person_id", flat=True))


def cases_confirmed_between(start: dt.datetime, end: dt.datetime) -> QuerySet[Case]:
    """Cases (not withdrawn) confirmed in [start, end], oldest first, with their person."""
    return (
        Case.objects.exclude(status=CaseStatus.WITHDRAWN)
        .filter(confirmed_at__gte=start, confirmed_at__lte=end)
        .select_related("person")
        .order_by("confirmed_at", "id")
    )


def active_case_of(person: Any) -> Case | None:
    """The person's case still in care (at most one)."""
    return Case.objects.filter(person=person, status__in=CASE_ACTIVE).order_by("pk").first()


def active_cases_of(person_ids: Iterable[int]) -> dict[int, int]:
    """person id → their active case's id (the first, by id), for many people at once."""
    found: dict[int, int] = {}
    for chunk in chunks(sorted(set(person_ids))):
        active = Case.objects.filter(any_of("person_id", chunk), status__in=CASE_ACTIVE).order_by("pk")
        for person_id, pk in active.values_list("person_id", "pk"):
            found.setdefault(person_id, pk)
    return found


def case_facts(ids: Iterable[int]) -> dict[int, CaseFacts]:
    found: dict[int, CaseFacts] = {}
    for chunk in chunks(sorted(set(ids))):
        rows = Case.objects.filter(any_of("pk", chunk)).order_by()
        for pk, *rest in rows.values_list("pk", "person_id", "status", "confirmed_at", "first_admitted_at"):
            found[pk] = CaseFacts(*rest)
    return found


def cases_of_people(person_ids: Iterable[int]) -> list[tuple[int, int, dt.datetime]]:
    """Every case (any status) of these people, as (case id, person id, confirmed at)."""
    found: list[tuple[int, int, dt.datetime]] = []
    for chunk in chunks(sorted(set(person_ids))):
        found.extend(Case.objects.filter(any_of("person_id", chunk)).order_by().values_list("pk", "person_id", "confirmed_at"))
    return found


def first_pick_ups(case_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """case id → when a transfer first picked the case up (left home), for the cases picked up."""
    found: dict[int, dt.datetime] = {}
    for chunk in chunks(sorted(set(case_ids))):
        picked = Transfer.objects.filter(any_of("case_id", chunk), picked_up_at__isnull=False).order_by()
        found.update(picked.values("case_id").annotate(t=Min("picked_up_at")).values_list("case_id", "t"))
    return found


def latest_transfer(case: Case) -> Transfer | None:
    return Transfer.objects.filter(case=case).order_by("-queued_at", "-id").first()
