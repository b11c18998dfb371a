"""Who may leave the city (有序离呼), decided set-based from the platform's own data under the ACTIVE
policy profile — each rule met or not, named in the decision with its citation:

- area: the resident's home is not in an area of a class the profile bars from leaving
  (fangkong.zoning.rules.confined_classes, `movement.departure_barred_classes`: 高风险区, and 中风险区
  under the 9th edition — the same rule bars volunteers' field work), in force at the time
  (fangkong.zoning.selectors.ZoneIndex);
- state: not under isolation, awaiting transfer to it, under health monitoring or treatment
  (fangkong.geo.person_states.BARRED_STATES);
- negative: a negative result sampled within the profile's window before the decision
  (`travel.leaving_negative_hours`: 48 h under the 9th edition and the 20 measures), from the
  person's test history (fangkong.results.history.latest_decisive: latest_results' reading,
  aggregated in SQL).

One read per rule for the whole batch: 50,000 applications are a handful of queries, and the words
are translated once per batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from fangkong.core.timefmt import local_minutes
from fangkong.geo.person_states import BARRED_STATES, StateKind, states
from fangkong.geo.selectors import PlaceIds, people_places
from fangkong.policy.rules import rule
from fangkong.results.choices import Result
from fangkong.results.history import latest_decisive
from fangkong.zoning.rules import confined_classes, naming
from fangkong.zoning.selectors import ZoneIndex

from .choices import DepartureRule

NEGATIVE_WINDOW_KEY = "travel.leaving_negative_hours"


@dataclass(frozen=True)
class RuleOutcome:
    rule: str  # a DepartureRule
    met: bool
    text: str  # in the user's words
    citation: str  # the policy rule it comes from (shown folded, in 依据)

    def as_json(self) -> dict[str, object]:
        return {"rule": str(self.rule), "met": self.met, "text": self.text, "citation": self.citation}


def eligibility(person_ids: Sequence[int], *, at: dt.datetime) -> dict[int, list[RuleOutcome]]:
    """Each person's three rules at `at`, in the order the decision names them."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    barred = confined_classes()
    window = rule(NEGATIVE_WINDOW_KEY)
    hours = float(window.value)
    names = naming()
    zones = ZoneIndex(at)
    places = people_places(ids)
    in_states = states.at(ids, at)
    latest = latest_decisive(ids, before=at)
    since = at - dt.timedelta(hours=hours)
    # The words, translated once per batch (not three times per person), and the outcomes every
    # person who meets a rule shares.
    area_met = RuleOutcome(DepartureRule.AREA, True, _("居住地不在禁止离开的风险区域内"), barred.citation)
    area_in = _("居住地 %(place)s 在%(cls)s“%(area)s”内")
    state_met = RuleOutcome(DepartureRule.STATE, True, _("未在隔离、健康监测或治疗中"), "geo.person_states")
    state_held = _("正在%(state)s")
    negative_met = _("%(h)s 小时内核酸阴性（采样 %(at)s）")
    negative_none = RuleOutcome(
        DepartureRule.NEGATIVE, False, _("没有核酸检测结果，须持 %(h)s 小时内阴性结果") % {"h": window.value}, window.citation
    )
    negative_not = _("最近一次核酸结果不是阴性（采样 %(at)s）")
    negative_old = _("最近一次阴性采样于 %(at)s，已超过 %(h)s 小时")
    no_places = PlaceIds()
    out: dict[int, list[RuleOutcome]] = {}
    for pid in ids:
        match = next((m for m in zones.matches(places.get(pid, no_places)) if m.area_class in barred.value), None)
        area = (
            area_met
            if match is None
            else RuleOutcome(
                DepartureRule.AREA,
                False,
                area_in % {"place": match.place_name, "cls": names.label(match.area_class), "area": match.area_name},
                barred.citation,
            )
        )
        held = [s for s in in_states.get(pid, ()) if s.kind in BARRED_STATES]
        state = (
            state_met
            if not held
            else RuleOutcome(DepartureRule.STATE, False, state_held % {"state": StateKind(held[0].kind).label}, "geo.person_states")
        )
        entry = latest.get(pid)
        if entry is None:
            negative = negative_none
        elif entry.result == Result.NEGATIVE and entry.at >= since:
            text = negative_met % {"h": window.value, "at": local_minutes(entry.at)}
            negative = RuleOutcome(DepartureRule.NEGATIVE, True, text, window.citation)
        elif entry.result != Result.NEGATIVE:
            negative = RuleOutcome(DepartureRule.NEGATIVE, False, negative_not % {"at": local_minutes(entry.at)}, window.citation)
        else:
            text = negative_old % {"at": local_minutes(entry.at), "h": window.value}
            negative = RuleOutcome(DepartureRule.NEGATIVE, False, text, window.citation)
        out[pid] = [area, state, negative]
    return out
