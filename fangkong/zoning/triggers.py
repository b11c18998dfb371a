"""The cases that triggered an area, read through a seam: zoning sits below 快转 (fangkong.cases),
so 快转 registers how its cases are found from its AppConfig.ready() (`case_refs.register`), as the
person test history's sources are. A reference carries no personal data: the case's number, date
and the page to open it on (which asks its own need-to-know)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseRef:
    case_id: int
    label: str  # "病例 #123（2022-11-10 确诊）": no name
    url: str = ""


# resolve(case ids, user) → the cases among them the user may see (a user of None: every one)
Resolve = Callable[[Sequence[int], Any], dict[int, CaseRef]]


class CaseRefs:
    def __init__(self) -> None:
        self.resolve: Resolve | None = None

    def register(self, resolve: Resolve) -> None:
        self.resolve = resolve

    def refs(self, case_ids: Sequence[int], user: Any = None) -> dict[int, CaseRef]:
        ids = sorted(set(case_ids))
        if not ids or self.resolve is None:
            return {}
        return self.resolve(ids, user)


case_refs = CaseRefs()
