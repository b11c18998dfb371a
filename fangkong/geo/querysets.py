"""Reusable filters for places and people."""

from __future__ import annotations

from fangkong.core.scoping import ScopedQuerySet


class PlaceQuerySet(ScopedQuerySet):
    pass


class PersonQuerySet(ScopedQuerySet):
    def search(self, term: str) -> PersonQuerySet:
        """Name (prefix), phone (full, via the keyed hash), ID number (full via hash, or its last 1–4
        characters — the ones the masked number shows). What the term is: fangkong.geo.search.classify.

        Never more of the end than the mask shows: the 5th to 8th characters from the end are the birth
        date's, and a search that matched on them would let anyone who sees the list rebuild the number
        digit by digit (decision 0005)."""
        from fangkong.core.crypto import lookup_hashes

        from .search import TermKind, classify

        found = classify(term)
        if found.kind == TermKind.EMPTY:
            return self
        if found.kind == TermKind.PHONE:
            return self.filter(phone_hash__in=lookup_hashes("phone", found.value))
        if found.kind == TermKind.ID_FULL:
            return self.filter(id_hash__in=lookup_hashes("id", found.value))
        if found.kind == TermKind.ID_TAIL:
            if len(found.value) == 4:
                return self.filter(id_tail=found.value)
            return self.filter(id_tail__endswith=found.value)
        if found.kind == TermKind.ID_PARTIAL:
            return self.none()  # 5–7 characters: more than the mask shows
        return self.filter(name__startswith=found.value)
