"""Reusable filters for places and people."""

from __future__ import annotations

from fangkong.core.scoping import ScopedQuerySet


class PlaceQuerySet(ScopedQuerySet):
    pass


class PersonQuerySet(ScopedQuerySet):
    def search(self, term: str) -> PersonQuerySet:
        """Name (prefix), phone (full, via the keyed hash), ID number (full via hash, or last digits).
        What the term is: fangkong.geo.search.classify."""
        from fangkong.core.crypto import lookup_hash

        from .search import TermKind, classify

        found = classify(term)
        if found.kind == TermKind.EMPTY:
            return self
        if found.kind == TermKind.PHONE:
            return self.filter(phone_hash=lookup_hash("phone", found.value))
        if found.kind == TermKind.ID_FULL:
            return self.filter(id_hash=lookup_hash("id", found.value))
        if found.kind == TermKind.ID_TAIL:
            if len(found.value) == 4:
                return self.filter(id_tail=found.value)
            return self.filter(id_tail__endswith=found.value)
        if found.kind == TermKind.ID_PARTIAL:
            return self._id_ends_with(found.value)
        return self.filter(name__startswith=found.value)

    def _id_ends_with(self, digits: str, limit: int = 5000) -> PersonQuerySet:
        """More than the four stored tail digits: decrypt the few candidates that share the tail."""
        from fangkong.core.crypto import decrypt

        candidates = self.filter(id_tail=digits[-4:]).values_list("pk", "id_cipher")[:limit]
        return self.filter(pk__in=[pk for pk, cipher in candidates if decrypt(cipher).endswith(digits)])
