"""May this volunteer do field work at this time? One rule, in one place, for approval, sign-up and
assignment (SPEC.md §7): not while under isolation or control, awaiting transfer to it, a case or in
health monitoring (fangkong.geo.person_states.BARRED_STATES, the states that bar leaving the city
too), not after a positive result of their own (fangkong.results.history), and not while living in
an area of a class whose residents may not leave where they live (fangkong.zoning.rules
.confined_classes: the policy's rule, the one the orderly departure reads). A volunteer not matched to
the registry cannot be checked, so cannot be cleared for field work either.

The answer is the reason, in the user's words, or "". What the reason says is need-to-know: the
status itself (the state, the positive result, the risk area of the volunteer's home) is told only
to a user who may see it elsewhere — the person inside their grants, and the capabilities that show
that kind of status on the person's record (geo.view_people, and the state or test sources' own
need-to-know). Anyone else — a coordinator, the volunteer on their own page — is told NEUTRAL: the
rule decides the same, the refusal names no status. Set-based: a need's whole list is checked in a
handful of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from fangkong.core.permissions import user_can
from fangkong.geo.models import Person
from fangkong.geo.permissions import GeoCap
from fangkong.geo.person_states import BARRED_STATES, StateKind, states
from fangkong.geo.selectors import PlaceIds, people_places
from fangkong.results.choices import Result
from fangkong.results.history import latest_results, sources
from fangkong.zoning.rules import confined_classes, naming
from fangkong.zoning.selectors import ZoneIndex

from .models import Volunteer

FIELD_WORK_RULE = "volunteers.field_work_block"

# What kind of status blocks a volunteer: each is shown to the users who may see it elsewhere.
STATE, POSITIVE, AREA = "state", "positive", "area"


def neutral_reason() -> str:
    """The block as told to a user who may not see the volunteer's status."""
    return _("有不宜从事一线工作的情况（详情请联系社区核实）")


def status_needs(kind: str) -> tuple[str, ...]:
    """The capabilities that show this kind of status on a person's record: the person (geo.view_people)
    and, for a state or a test result, every source's own need-to-know (cases.view, isolation.view …)."""
    extra = states.needs.values() if kind == STATE else sources.needs.values() if kind == POSITIVE else ()
    return tuple(dict.fromkeys((GeoCap.VIEW_PEOPLE, *(c for need in extra for c in need))))


def _told(user: Any, blocked: dict[int, tuple[int, str]]) -> set[int]:
    """Of the blocked volunteers (pk → (person id, kind)), those whose status `user` may read: the
    capabilities of that kind, and the person inside the user's grants (one query, only if any)."""
    if user is None or not blocked:
        return set()
    kinds = {kind for kind in {k for _p, k in blocked.values()} if all(user_can(user, c) for c in status_needs(kind))}
    if not kinds:
        return set()
    wanted = sorted({pid for pid, kind in blocked.values() if kind in kinds})
    visible = set(Person.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))
    return {pk for pk, (pid, kind) in blocked.items() if kind in kinds and pid in visible}


def field_work_blocks(volunteers: Sequence[Volunteer], at: dt.datetime, *, user: Any = None) -> dict[int, str]:
    """volunteer pk → why they may not do field work at `at` (only those who may not), as `user` may
    be told it (None: a caller without an account, told the neutral reason)."""
    out: dict[int, str] = {}
    person_ids = [v.person_id for v in volunteers if v.person_id]
    if len(person_ids) < len(volunteers):
        unmatched = _("未与人口登记库匹配，无法核查隔离、病例和风险区状态")
        out = {v.pk: unmatched for v in volunteers if v.person_id is None}
    if not person_ids:
        return out
    in_state = states.at(person_ids, at)
    latest = latest_results(person_ids, before=at)
    places = people_places(person_ids)
    confined = confined_classes().value
    zones = ZoneIndex(at)
    detail: dict[int, str] = {}
    blocked: dict[int, tuple[int, str]] = {}
    names = None
    for v in volunteers:
        if v.person_id is None:
            continue
        held = [s for s in in_state.get(v.person_id, ()) if s.kind in BARRED_STATES]
        if held:
            blocked[v.pk] = (v.person_id, STATE)
            detail[v.pk] = _("正在%(state)s") % {"state": StateKind(held[0].kind).label}
            continue
        entry = latest.get(v.person_id)
        if entry is not None and entry.result == Result.POSITIVE:
            blocked[v.pk] = (v.person_id, POSITIVE)
            detail[v.pk] = _("最近一次核酸结果为阳性")
            continue
        home = places.get(v.person_id) or PlaceIds(district_id=v.district_id, street_id=v.street_id, community_id=v.community_id)
        area = next((m for m in zones.matches(home) if m.area_class in confined), None)
        if area is not None:
            names = names or naming()
            blocked[v.pk] = (v.person_id, AREA)
            detail[v.pk] = _("居住在%(cls)s（%(name)s）") % {"cls": names.label(area.area_class), "name": area.area_name}
    told = _told(user, blocked)
    neutral = neutral_reason()
    out.update({pk: detail[pk] if pk in told else neutral for pk in blocked})
    return out


def field_work_block(volunteer: Volunteer, at: dt.datetime, *, user: Any = None) -> str:
    return field_work_blocks([volunteer], at, user=user).get(volunteer.pk, "")
