"""A person's tests on their record (fangkong.geo.person_record): every test from any source, each
source shown only to the users its need-to-know allows (a hospital's test of a case needs cases.view).
Registered from ready()."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.permissions import user_can
from fangkong.core.timefmt import local_minutes
from fangkong.geo.person_record import Entry, Section

from .choices import Result
from .history import TestEntry, sources


def result_text(test: TestEntry) -> str:
    """The result in the user's words, with its Ct and when it came back."""
    if not test.result:
        return _("待出结果")
    text = _("混管阳性，须单采复核") if test.result == Result.POSITIVE and test.pooled else str(Result(test.result).label)
    if test.ct is not None:
        text += f"（Ct {test.ct:g}）"
    if test.resulted_at:
        text += _("，%(t)s 出结果") % {"t": local_minutes(test.resulted_at)}
    return text


def _tone(test: TestEntry) -> str:
    if test.result == Result.POSITIVE:
        return "danger" if not test.pooled else "warning"
    return ""


def test_entries(user: Any, person: Any) -> Iterator[Entry]:
    shown = [name for name, need in sources.needs.items() if all(user_can(user, c) for c in need)]
    for test in sources.entries([person.pk], names=shown):
        if test.at is None:
            continue
        yield Entry(test.at, "test", test.label, result_text(test), tone=_tone(test))


test_entries.__test__ = False  # type: ignore[attr-defined]


def register() -> None:
    from fangkong.geo.person_record import sections

    sections.register(Section("tests", gettext_lazy("核酸检测"), "eyedropper", test_entries, order=10))
