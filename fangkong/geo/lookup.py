"""Finding people by their document number: one way, a look-up by keyed hash (the number itself is
never stored in clear), scoped to what the caller may see.

A person outside the caller's places answers exactly as a missing one ("not found"): a refusal or
an answer never tells a caller who a number belongs to unless they may see that person. Look-ups a
user types one at a time go through `person_by_id_number`, which also counts and audits the search
(the number-search limit of fangkong.geo.services); batches (a sampling app's bindings, a 流调 list)
through `person_ids_by_id_number`. A refusal that answers about a number with nothing written (not
registered; a 流调 contact outside the caller's places who cannot be recorded) is such an answer
too: the numbers it answered about are counted as searches (`count_numbers`), after the refused
write's transaction has rolled back (`counting_refused_numbers`), so their audit events are kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec, TypeVar

from django.db.models import QuerySet

from fangkong.core.crypto import Sealer, lookup_hash, lookup_hashes
from fangkong.core.errors import DomainError

from .idnumbers import normalise_id_number
from .models import Person

K = TypeVar("K")
P = ParamSpec("P")
R = TypeVar("R")


def id_key(number: str, *, sealer: Sealer | None = None) -> str:
    """The keyed hash a person's document number is found by."""
    value = normalise_id_number(number or "")
    return sealer.lookup_hash("id", value) if sealer is not None else lookup_hash("id", value)


def id_keys(number: str, *, sealer: Sealer | None = None) -> list[str]:
    """The hashes a stored person may carry for this number: under the current data key, and under each
    retired one while a key rotation is under way (fangkong.core.crypto). Look-ups match any of them."""
    value = normalise_id_number(number or "")
    return sealer.lookup_hashes("id", value) if sealer is not None else lookup_hashes("id", value)


def person_by_id_number(number: str, *, user: Any, where: str, also: QuerySet[Person] | None = None) -> Person | None:
    """The registered person with this number whom `user` may see (their places), or who is in
    `also` (e.g. the contacts of a case the caller traces); None otherwise, whether the number is
    unknown or the person lies outside. Counted and audited as a search by full number; raises
    fangkong.geo.services.SearchLimited past the caller's limit."""
    from .services import number_search_check

    number_search_check(actor=user, term=number, where=where)
    if not (number or "").strip():
        return None
    found = Person.objects.filter(id_hash__in=id_keys(number))
    visible = found.visible_to(user)
    if also is not None:
        visible = visible | found.filter(pk__in=also.values("pk"))
    return visible.select_related("household", "community", "district").first()


def person_ids_by_id_number(numbers: Mapping[K, str], *, user: Any = None, sealer: Sealer | None = None) -> dict[K, int]:
    """For a batch: each key's person id, for the numbers that belong to a registered person the
    caller may see (`user` None: anyone — for the system's own jobs)."""
    sealer = sealer or Sealer()
    hashes = {key: id_keys(number, sealer=sealer) for key, number in numbers.items()}
    people = Person.objects.filter(id_hash__in=sorted({h for each in hashes.values() for h in each}))
    if user is not None:
        people = people.visible_to(user)
    by_hash = dict(people.values_list("id_hash", "pk"))
    found = {key: next((by_hash[h] for h in each if h in by_hash), None) for key, each in hashes.items()}
    return {key: pk for key, pk in found.items() if pk is not None}


def registered_person(number: str) -> Person | None:
    """The registered person with this number, whoever they are: for a write by a caller who holds the
    full number and acts on that person in front of them (a sampler scanning an ID card, a tracer
    recording a contact from another district, a site registering an arriving traveller). What the
    answer shows back is the write's own outcome; a refusal about someone the caller may not see
    must not describe them (fangkong.core.scoping.Jurisdiction.covers_place)."""
    if not (number or "").strip():
        return None
    return Person.objects.filter(id_hash__in=id_keys(number)).select_related("household", "community", "district").first()


def count_numbers(*, actor: Any, numbers: Iterable[str], where: str) -> None:
    """Count each number a refusal answered about as a search by full number (the limit and the audit
    of fangkong.geo.services.number_search_check); past the limit raises SearchLimited, whose answer
    (429) names no row. Call it outside the refused write's transaction, or the audit is rolled back."""
    from .services import number_search_check

    for number in numbers:
        number_search_check(actor=actor, term=number, where=where)


class NumbersToCount(Exception):
    """A refusal leaving its transaction with the numbers it answered about (`counting_refused_numbers`)."""

    def __init__(self, refused: DomainError, numbers: Iterable[str]) -> None:
        super().__init__(refused.message)
        self.refused, self.numbers = refused, [n for n in numbers if n]


def counting_refused_numbers(where: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorates a write (keyword `actor`, outside its @transaction.atomic): a refusal it raises as
    NumbersToCount has its numbers counted (`count_numbers`) once the transaction has rolled back,
    then is raised as itself — or, past the limit, as SearchLimited."""

    def decorate(write: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(write)
        def counted(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return write(*args, **kwargs)
            except NumbersToCount as exc:
                count_numbers(actor=kwargs["actor"], numbers=exc.numbers, where=where)
                raise exc.refused from None

        return counted

    return decorate
