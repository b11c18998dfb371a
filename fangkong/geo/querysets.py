"""Reusable filters for places and people."""

from __future__ import annotations

from fangkong.core.scoping import ScopedQuerySet


class PlaceQuerySet(ScopedQuerySet):
    pass


class PersonQuerySet(ScopedQuerySet):
    def search(self, term: str) -> PersonQuerySet:
        """Name (prefix), phone (full, via the keyed hash), ID number (full via hash, or its last 1–4
        characters — the ones the masked number shows).

        Never more of the end than the mask shows: the 5th to 8th characters from the end are the birth
        date's, and a search that matched on them would let anyone who sees the list rebuild the number
        digit by digit, unaudited (decision 0005)."""
        from fangkong.core.crypto import lookup_hash

        from .idnumbers import normalise_id_number

        term = term.strip()
        if not term:
            return self
        compact = term.replace(" ", "").upper()
        if compact.isdigit() and len(compact) == 11 and compact.startswith("1"):
            return self.filter(phone_hash=lookup_hash("phone", compact))
        if len(compact) >= 8 and compact[:-1].isalnum() and any(c.isdigit() for c in compact):
            return self.filter(id_hash=lookup_hash("id", normalise_id_number(compact)))
        if len(compact) <= 7 and compact[:-1].isdigit() and (compact[-1].isdigit() or compact[-1] == "X"):
            if len(compact) == 4:
                return self.filter(id_tail=compact)
            if len(compact) < 4:
                return self.filter(id_tail__endswith=compact)
            return self.none()  # 5–7 characters: more than the mask shows
        return self.filter(name__startswith=term)
