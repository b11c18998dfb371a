"""What a person-search term is — the one rule that both the search and its guard read.

One search box takes a name, a mobile number, a full document number or the last digits of one
(PersonQuerySet.search). Some of those terms test digits a user cannot see: the phone mask hides
six digits and the ID mask the eight of the birth date, so searching a full number (or five to seven
trailing ID digits, which cover hidden ones) is a yes/no oracle for them. Those terms are
`probing`: counted against the user's limit and audited (fangkong.geo.services.number_search_check).
A name or four trailing digits (shown on every page anyway) are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fangkong.core.crypto import lookup_hash, mask_id_number, mask_phone

from .idnumbers import normalise_id_number


class TermKind(StrEnum):
    EMPTY = "empty"
    NAME = "name"
    PHONE = "phone"  # an 11-digit mobile number
    ID_FULL = "id_full"  # a whole document number (8 characters or more)
    ID_TAIL = "id_tail"  # the last 1–4 digits: what the mask shows
    ID_PARTIAL = "id_partial"  # the last 5–7 digits: reach into the hidden ones


PROBING = frozenset({TermKind.PHONE, TermKind.ID_FULL, TermKind.ID_PARTIAL})


@dataclass(frozen=True)
class SearchTerm:
    kind: TermKind
    value: str  # normalised: the digits, the upper-cased document number, or the name as typed

    @property
    def probing(self) -> bool:
        return self.kind in PROBING

    @property
    def masked(self) -> str:
        """What an audit event may say about the term: never the number itself."""
        if self.kind == TermKind.PHONE:
            return mask_phone(self.value)
        if self.kind == TermKind.ID_FULL:
            return mask_id_number(self.value)
        if self.kind == TermKind.ID_PARTIAL:
            return "*" * (len(self.value) - 2) + self.value[-2:]
        return ""

    @property
    def keyed_hash(self) -> str:
        """The look-up hash of a full number (as stored on the person), so an auditor can ask
        "who searched this number" without the log holding it."""
        if self.kind == TermKind.PHONE:
            return lookup_hash("phone", self.value)
        if self.kind == TermKind.ID_FULL:
            return lookup_hash("id", self.value)
        return ""


def classify(term: str | None) -> SearchTerm:
    text = (term or "").strip()
    if not text:
        return SearchTerm(TermKind.EMPTY, "")
    compact = text.replace(" ", "").upper()
    if compact.isdigit() and len(compact) == 11 and compact.startswith("1"):
        return SearchTerm(TermKind.PHONE, compact)
    if len(compact) >= 8 and compact[:-1].isalnum() and any(c.isdigit() for c in compact):
        return SearchTerm(TermKind.ID_FULL, normalise_id_number(compact))
    if len(compact) <= 7 and compact[:-1].isdigit() and (compact[-1].isdigit() or compact[-1] == "X"):
        return SearchTerm(TermKind.ID_TAIL if len(compact) <= 4 else TermKind.ID_PARTIAL, compact)
    return SearchTerm(TermKind.NAME, text)
