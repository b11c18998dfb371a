"""May this volunteer do field work at this time? One rule, in one place, for approval, sign-up and
assignment (SPEC.md §7): not while under isolation or control, a case or in health monitoring
(fangkong.geo.person_states), not after a positive result of their own (fangkong.results.history),
and not while living in a sealed or controlled area (fangkong.zoning.selectors) — residents of
those may not leave their area. A volunteer not matched to the registry cannot be checked, so
cannot be cleared for field work either. The answer is the reason, in the user's words, or "".
Set-based: a need's whole list is checked in four queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils.translation import gettext as _

from fangkong.geo.person_states import CONTROLLED_STATES, StateKind, states
from fangkong.geo.selectors import PlaceIds, people_places
from fangkong.results.choices import Result
from fangkong.results.history import latest_results
from fangkong.zoning.choices import AreaClass
from fangkong.zoning.selectors import ZoneIndex

from .models import Volunteer

BLOCKING_STATES = CONTROLLED_STATES | {StateKind.AWAITING_ISOLATION}
BLOCKING_AREAS = (AreaClass.SEALED, AreaClass.CONTROLLED)
FIELD_WORK_RULE = "volunteers.field_work_block"


def field_work_blocks(volunteers: Sequence[Volunteer], at: dt.datetime) -> dict[int, str]:
    """volunteer pk → why they may not do field work at `at` (only those who may not)."""
    out: dict[int, str] = {}
    person_ids = [v.person_id for v in volunteers if v.person_id]
    in_state = states.at(person_ids, at) if person_ids else {}
    latest = latest_results(person_ids, before=at) if person_ids else {}
    places = people_places(person_ids) if person_ids else {}
    zones = ZoneIndex(at)
    for v in volunteers:
        if v.person_id is None:
            out[v.pk] = _("未与人口登记库匹配，无法核查隔离、病例和风险区状态")
            continue
        blocking = [s for s in in_state.get(v.person_id, ()) if s.kind in BLOCKING_STATES]
        if blocking:
            out[v.pk] = _("正在%(state)s") % {"state": StateKind(blocking[0].kind).label}
            continue
        entry = latest.get(v.person_id)
        if entry is not None and entry.result == Result.POSITIVE:
            out[v.pk] = _("最近一次核酸结果为阳性")
            continue
        home = places.get(v.person_id) or PlaceIds(district_id=v.district_id, street_id=v.street_id, community_id=v.community_id)
        area = next((m for m in zones.matches(home) if m.area_class in BLOCKING_AREAS), None)
        if area is not None:
            out[v.pk] = _("居住在%(cls)s（%(name)s）") % {"cls": AreaClass(area.area_class).label, "name": area.area_name}
    return out


def field_work_block(volunteer: Volunteer, at: dt.datetime) -> str:
    return field_work_blocks([volunteer], at).get(volunteer.pk, "")
