"""The capacity forecast (容量预测, docs/user-guide/capacity.md): from the last 14 complete days of
new positives (快转) and close contacts (快隔) in the user's jurisdiction, the beds of the 方舱 and
the 定点医院 and the rooms of the isolation sites needed over the next 7 days against what there
is, with an 80 % band, the day each runs out, a what-if for every policy profile's central
isolation days, and a back-test (the same method run from D−7, compared with what happened).
Read-only over the modules' selectors (cases.capacity, isolation.capacity, policy); the arithmetic
is fangkong.reports.forecast."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from fangkong.cases import capacity as beds
from fangkong.cases.choices import FacilityKind
from fangkong.core.board import trend_days
from fangkong.isolation import capacity as rooms
from fangkong.policy.regimen import local_date, local_midnight
from fangkong.policy.rules import PolicyNotConfigured, active_profile, rule
from fangkong.policy.selectors import profile_list

from . import forecast

HORIZON = 7
SHOWN = (3, 7)
HISTORY = forecast.MAX_DAYS
BACK = 7  # the back-test cuts at D−7
CENTRAL_DAYS = "close_contact.central_days"
HOME_DAYS = "close_contact.home_days"
# Days in a bed when the jurisdiction has fewer than MIN_DISCHARGES discharges in the last 28 days
# to measure it from: a local default (the sources set no length of stay), shown as such.
DEFAULT_STAY = {FacilityKind.FANGCANG: 10.0, FacilityKind.HOSPITAL: 14.0}
MIN_DISCHARGES = 5


@dataclass
class Series:
    """A daily count: the days fitted (oldest first), the fit and the projection for days 1…HORIZON (today first)."""

    key: str
    label: str
    days: list[dt.date]
    counts: list[int]
    fit: forecast.Fit | None
    projection: forecast.Projection | None


@dataclass
class Resource:
    """Beds of one kind of facility, or isolation rooms: capacity, in use now, the projected need."""

    key: str
    label: str
    unit: str
    capacity: int
    in_use: int
    stay_days: float
    stay_basis: str
    share_basis: str
    need: list[float] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    days: list[dt.date] = field(default_factory=list)  # the horizon's days, today first

    def at(self, h: int) -> tuple[int, int, int]:
        return math.floor(self.low[h - 1]), round(self.need[h - 1]), math.ceil(self.high[h - 1])

    @property
    def shown(self) -> list[tuple[int, tuple[int, int, int]]]:
        return [(h, self.at(h)) for h in SHOWN if h <= len(self.need)]

    @property
    def runs_out(self) -> int | None:
        return forecast.runs_out(self.need, self.capacity)

    @property
    def runs_out_earliest(self) -> int | None:
        return forecast.runs_out(self.high, self.capacity)

    @property
    def runs_out_latest(self) -> int | None:
        return forecast.runs_out(self.low, self.capacity)

    def _on(self, h: int | None) -> dt.date | None:
        return None if h is None or not self.days else self.days[h - 1]

    @property
    def out_on(self) -> dt.date | None:
        return self._on(self.runs_out)

    @property
    def out_earliest_on(self) -> dt.date | None:
        return self._on(self.runs_out_earliest)

    @property
    def out_latest_on(self) -> dt.date | None:
        return self._on(self.runs_out_latest)


@dataclass
class WhatIf:
    code: str
    name: str
    central_days: int
    home_days: int
    active: bool
    resource: Resource


@dataclass
class BackTest:
    label: str
    cut: dt.date
    days: list[dt.date]
    projected: forecast.Projection
    actual: list[int]

    @property
    def within_band(self) -> int:
        return sum(1 for lo, hi, y in zip(self.projected.low, self.projected.high, self.actual, strict=True) if lo <= y <= hi)

    @property
    def total_error(self) -> float | None:
        actual = sum(self.actual)
        return (sum(self.projected.expected) - actual) / actual if actual else None

    @property
    def total_error_pct(self) -> int | None:
        return None if self.total_error is None else round(self.total_error * 100)

    @property
    def rows(self) -> list[tuple[dt.date, int, int, int, int]]:
        p = self.projected
        return [
            (d, math.floor(lo), round(e), math.ceil(hi), y)
            for d, lo, e, hi, y in zip(self.days, p.low, p.expected, p.high, self.actual, strict=True)
        ]


@dataclass
class CapacityForecast:
    today: dt.date
    horizon_days: list[dt.date]
    series: list[Series]
    resources: list[Resource]
    what_if: list[WhatIf]
    back_tests: list[BackTest]
    enough_history: bool


def _series(key: str, label: str, days: list[dt.date], counts: list[int]) -> Series:
    try:
        f = forecast.fit(counts)
    except ValueError:
        return Series(key, label, days, counts, None, None)
    return Series(key, label, days, counts, f, forecast.project(f, HORIZON))


def _central_days(profile: Any) -> tuple[int, int]:
    try:
        return int(rule(CENTRAL_DAYS, profile=profile).value), int(rule(HOME_DAYS, profile=profile).value or 0)
    except PolicyNotConfigured:
        return 0, 0


def _isolation(
    label: str, now_rooms: rooms.Rooms, arrivals: forecast.Projection, share: float, stay: int, basis: str, share_basis: str
) -> Resource:
    """Rooms needed: people in central isolation projected (arrivals × the share isolated centrally,
    each for the profile's central days), divided by the people per occupied room now."""
    per_room = now_rooms.people_per_room
    r = Resource("isolation", label, _("间"), now_rooms.rooms, now_rooms.rooms_occupied, stay, basis, share_basis)
    for edge, target in ((arrivals.expected, r.need), (arrivals.low, r.low), (arrivals.high, r.high)):
        people = forecast.occupancy(now_rooms.people_in, [a * share for a in edge], stay)
        target.extend(p / per_room for p in people)
    return r


def capacity_forecast(*, user: Any, now: dt.datetime) -> CapacityForecast:
    today = local_date(now)
    days = trend_days(today - dt.timedelta(days=1), HISTORY)  # complete days only
    horizon = [today + dt.timedelta(days=h) for h in range(HORIZON)]
    positives = _series("positives", _("新增阳性（人）"), days, beds.confirmed_per_day(user=user, days=days))
    contacts = _series("contacts", _("新判定密接（人）"), days, rooms.contacts_per_day(user=user, days=days))
    window_start = local_midnight(days[0])
    enough = positives.projection is not None and contacts.projection is not None and (sum(positives.counts) + sum(contacts.counts)) > 0
    resources: list[Resource] = []
    what_if: list[WhatIf] = []
    if enough:
        resources = _bed_resources(user, now, positives.projection)
        share, share_basis = _central_share(user, window_start, now)
        now_rooms = rooms.rooms_now(user=user)
        try:
            active_pk = active_profile().pk
        except PolicyNotConfigured:
            active_pk = None
        for profile in profile_list():
            central, home = _central_days(profile)
            if not central:
                continue
            basis = _("%(p)s：集中隔离 %(c)s 天（+%(h)s 天居家）") % {"p": profile.name, "c": central, "h": home}
            res = _isolation(_("隔离房间"), now_rooms, contacts.projection, share, central, basis, share_basis)
            what_if.append(WhatIf(profile.code, profile.name, central, home, profile.pk == active_pk, res))
        resources += [w.resource for w in what_if if w.active]
        for r in [*resources, *(w.resource for w in what_if)]:
            r.days = horizon
    return CapacityForecast(today, horizon, [positives, contacts], resources, what_if, back_tests(user=user, today=today), enough)


def _central_share(user: Any, since: dt.datetime, now: dt.datetime) -> tuple[float, str]:
    # Contacts identified in the last 24 hours may still be on their way: measured up to yesterday's start.
    share = rooms.central_share(user=user, since=since, until=now - dt.timedelta(days=1))
    if share is None:
        return 1.0, _("全部密接集中隔离（近 14 天无可测数据）")
    return share, _("近 14 天判定的密接中 %(p)s%% 已集中隔离") % {"p": round(share * 100)}


def _bed_resources(user: Any, now: dt.datetime, arrivals: forecast.Projection) -> list[Resource]:
    since = now - dt.timedelta(days=28)
    capacity = beds.beds_by_kind(user=user)
    shares = beds.admitted_share(user=user, since=now - dt.timedelta(days=HISTORY))
    share_basis = _("按近 14 天收治去向分配")
    if not shares:
        total = sum(c for c, _u in capacity.values())
        shares = {k: (c / total if total else 1 / len(capacity)) for k, (c, _u) in capacity.items()}
        share_basis = _("近 14 天无收治记录，按床位数分配")
    stays = beds.mean_stay_days(user=user, since=since)
    out = []
    for kind in (FacilityKind.FANGCANG, FacilityKind.HOSPITAL):
        cap, in_use = capacity.get(kind, (0, 0))
        measured = stays.get(kind)
        if measured and measured[1] >= MIN_DISCHARGES:
            stay, basis = measured[0], _("近 28 天 %(n)s 人出院，平均住院 %(d)s 天") % {"n": measured[1], "d": f"{measured[0]:.1f}"}
        else:
            stay, basis = (
                DEFAULT_STAY[kind],
                _("出院人数不足 %(n)s 人，按本地默认 %(d)s 天") % {"n": MIN_DISCHARGES, "d": f"{DEFAULT_STAY[kind]:.0f}"},
            )
        share = shares.get(kind, 0.0)
        r = Resource(kind, str(FacilityKind(kind).label), _("张床"), cap, in_use, stay, basis, f"{share_basis}（{round(share * 100)}%）")
        r.need = forecast.occupancy(in_use, [a * share for a in arrivals.expected], stay)
        r.low = forecast.occupancy(in_use, [a * share for a in arrivals.low], stay)
        r.high = forecast.occupancy(in_use, [a * share for a in arrivals.high], stay)
        out.append(r)
    return out


def back_tests(*, user: Any, today: dt.date) -> list[BackTest]:
    """The method run as it would have run at the start of D−7 (D = today): fitted on the 14 days
    before, projected over D−7 … D−1, and compared with the counts of those days and with the people
    in central isolation and in care at the end of each of them."""
    days = trend_days(today - dt.timedelta(days=1), HISTORY + BACK)
    cut = days[HISTORY]
    tested = days[HISTORY:]
    out = []
    counts = {
        "positives": (_("新增阳性（人）"), beds.confirmed_per_day(user=user, days=days)),
        "contacts": (_("新判定密接（人）"), rooms.contacts_per_day(user=user, days=days)),
    }
    projections = {}
    for key, (label, values) in counts.items():
        try:
            t = forecast.back_test(values, BACK)
        except ValueError:
            return []
        projections[key] = t.projected
        out.append(BackTest(label, cut, tested, t.projected, t.actual))
    if not sum(counts["contacts"][1]) and not sum(counts["positives"][1]):
        return []
    cut_at = local_midnight(cut)
    ends = [local_midnight(d + dt.timedelta(days=1)) for d in tested]
    # People in central isolation at the end of each day, projected with the active profile's central
    # days and the share isolated centrally measured before the cut.
    try:
        central, _home = _central_days(active_profile())
    except PolicyNotConfigured:
        central = 0
    if central:
        measured = rooms.central_share(user=user, since=local_midnight(days[0]), until=cut_at - dt.timedelta(days=1))
        share = 1.0 if measured is None else measured
        start = rooms.in_central_at(user=user, moments=[cut_at])[0]
        p = projections["contacts"]
        proj = forecast.Projection(*(forecast.occupancy(start, [a * share for a in edge], central) for edge in (p.low, p.expected, p.high)))
        out.append(BackTest(_("集中隔离在住（人）"), cut, tested, proj, rooms.in_central_at(user=user, moments=ends)))
    return out
