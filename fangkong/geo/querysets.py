"""Reusable filters for places and people."""

from __future__ import annotations

from fangkong.core.scoping import ScopedQuerySet


class PlaceQuerySet(ScopedQuerySet):
    pass


class PersonQuerySet(ScopedQuerySet):
    def search(self, term: str) -> PersonQuerySet:
        """Name (prefix), phone (full, via the keyed hash), ID number (full via hash, or last digits)."""
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
            return self._id_ends_with(compact)
        return self.filter(name__startswith=term)

    def _id_ends_with(self, digits: str, limit: int = 5000) -> PersonQuerySet:
        """More than the four stored tail digits: decrypt the few candidates that share the tail."""
        from fangkong.core.crypto import decrypt

        candidates = self.filter(id_tail=digits[-4:]).values_list("pk", "id_cipher")[:limit]
        return self.filter(pk__in=[pk for pk, cipher in candidates if decrypt(cipher).endswith(digits)])
