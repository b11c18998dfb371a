"""The people a binding request names — by keyed hash of the ID number or by registry id — with
their places, read in two set-based queries; how a refusal names them (fully only for the people
the sampler may see); and the numbers a refused batch counts as searches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.crypto import Sealer
from fangkong.core.rows import RowError
from fangkong.core.scoping import Jurisdiction
from fangkong.core.sql import fetch_in, table
from fangkong.geo.idnumbers import InvalidDocument, check_id_input
from fangkong.geo.models import Household, Person

from .rows import ID_NUMBER_RULE, NOT_REGISTERED, Binding, field_of


class BoundPerson(NamedTuple):
    """A person and their places (a tuple: 50,000 built per request, in C, not by a Python __init__)."""

    id: int
    name: str
    id_masked: str
    household_id: int | None
    district_id: int | None
    street_id: int | None
    community_id: int | None
    grid_id: int | None
    building_id: int | None
    unit_id: int | None


def visible(j: Jurisdiction, p: BoundPerson) -> bool:
    return j.covers_place(district_id=p.district_id, street_id=p.street_id, community_id=p.community_id, grid_id=p.grid_id)


def who(j: Jurisdiction, p: BoundPerson) -> str:
    """A person as a refusal names them: by name and masked number for the people the sampler may
    see; anyone else only as "the person of this row" (a refusal tells nothing about people outside
    the caller's places — fangkong.geo.lookup)."""
    return f"{p.name}（{p.id_masked}）" if visible(j, p) else _("该证件号码对应人员")


def _people_by(column: str, keys: Sequence[Any]) -> dict[Any, BoundPerson]:
    person, household = table(Person), table(Household)
    found = fetch_in(
        f"SELECT p.{column}, p.id, p.name, p.id_masked, p.household_id, p.district_id, p.street_id, p.community_id, p.grid_id "
        f"FROM {person} p WHERE p.{column} {{IN}}",
        keys,
    )
    # Households by their own ids, not joined: joined, 10,000 people were planned as a hash join
    # over every household of the city (1.1 million rows) instead of 10,000 index probes.
    places = {
        r[0]: r[1:]
        for r in fetch_in(f"SELECT id, building_id, unit_id FROM {household} WHERE id {{IN}}", sorted({r[4] for r in found if r[4]}))
    }
    no_places = (None, None)
    make = BoundPerson._make
    return {r[0]: make(r[1:] + places.get(r[4], no_places)) for r in found}


def numbers_not_found(rows: list[Binding], people: dict[int, BoundPerson], skip: set[int]) -> list[str]:
    """A refused batch names the rows whose ID number is not registered: an answer about each number,
    with nothing written. Those rows count as searches by full number (the same limit and audit as
    the search box, fangkong.geo.services.number_search_check), so a batch of candidate numbers with
    one bad row is not an unlimited oracle of who is registered; past the limit the batch is refused
    as too many searches, naming no row. A batch that is written counts nothing: it samples people.
    (bulk_bind counts them, once the batch's transaction has rolled back.)"""
    # skip: not a valid number, not looked up
    return [b.id_number for b in rows if b.person_id is None and b.row not in people and b.row not in skip]


def people_of(rows: list[Binding], j: Any, sealer: Sealer) -> tuple[dict[int, BoundPerson], dict[int, int], list[RowError]]:
    """Each row's person (by row number), the first row of each person, and the rows refused."""
    errors: list[RowError] = []
    # People: by keyed hash of the ID number, or by registry id.
    # A number that is not a valid ID number is named as such (check digit, region, ...) and not
    # looked up: a typo is never answered as "not registered".
    hashes: dict[int, list[str]] = {}  # under each key of the ring: a rotation may be under way
    invalid: set[int] = set()
    today = timezone.localdate()
    for b in rows:
        if b.person_id is None:
            try:
                hashes[b.row] = sealer.lookup_hashes("id", check_id_input(b.id_number, today=today))
            except InvalidDocument as exc:
                errors.append(RowError(b.row, "id_number", exc.message, ID_NUMBER_RULE))
                invalid.add(b.row)
    by_hash = _people_by("id_hash", sorted({h for each in hashes.values() for h in each}))
    # By registry id only the people the sampler may see (ids can be counted through); by full ID
    # number anyone registered (the person is in front of the sampler with their card).
    by_id = {k: p for k, p in _people_by("id", sorted({b.person_id for b in rows if b.person_id is not None})).items() if visible(j, p)}
    people: dict[int, BoundPerson] = {}
    first_row_of: dict[int, int] = {}
    for b in rows:
        if b.row in invalid:
            continue
        p = by_id.get(b.person_id) if b.person_id is not None else next((by_hash[h] for h in hashes[b.row] if h in by_hash), None)
        if p is None:
            field = "person_id" if b.person_id is not None else "id_number"
            errors.append(RowError(b.row, field, _("人员未在人口库登记，请先登记后再采样"), NOT_REGISTERED))
            continue
        people[b.row] = p
        if p.id in first_row_of:
            errors.append(
                RowError(
                    b.row,
                    field_of(b),
                    _("%(who)s在本次提交中重复：与第 %(r)s 行为同一人") % {"who": who(j, p), "r": first_row_of[p.id]},
                )
            )
        else:
            first_row_of[p.id] = b.row
    return people, first_row_of, errors
