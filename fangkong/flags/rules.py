"""The rules of 监督执纪 the system checks itself (seed 000: "工作落实不力 … “层层加码”“一刀切” … 严肃追责问责"),
each a small function over the whole city that says where its condition holds now, with the items
that show it. Every rule reads the owning module's own selector — the one its board row, deadline
board or page already uses — so a flag and the page it points to never disagree:

under-performance (履职不力)
- transfers overdue: cases.board.overdue_transfers (当日转运 not met, transfer.deadline);
- isolations overdue: isolation.board.overdue_episodes (日清日结 not met, contact.isolation_deadline);
- tubes past their deadline: testing.selectors.board.overdue_tubes (testing.result_deadline_hours);
- duty gaps: zoning.duty.duty_board (a sealed compound's 4+N roster with a gap in the next 24 hours);
over-enforcement (层层加码、一刀切)
- areas kept past their lifting date: zoning.board.overdue_to_lift (risk.lift_overdue_days);
- areas wider than the policy's unit: zoning.pages.flagged_for_supervision, in force (risk.*_unit);
- the same people sampled twice on one day without a reason: testing.selectors.repeats.sampled_twice.

A rule's findings are complete (every place where its condition holds now: flags not found again are
cleared) unless the rule is incremental (tested twice: only people sampled since the last run are
looked at; its flags close when their day leaves the window)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.cases.board import overdue_transfers
from fangkong.core.scoping import CITY_WIDE
from fangkong.isolation.board import overdue_episodes
from fangkong.policy.profiles import SEED_000, SEED_002
from fangkong.policy.regimen import local_date
from fangkong.policy.rules import rule as policy_rule
from fangkong.testing.selectors.board import overdue_tubes
from fangkong.testing.selectors.repeats import sampled_twice, settled_sample_id
from fangkong.zoning.board import in_force, overdue_deadlines, overdue_to_lift
from fangkong.zoning.choices import PLACE_WIDTH, AreaClass, AreaStatus, PlaceLevel
from fangkong.zoning.duty import duty_board
from fangkong.zoning.pages import flagged_for_supervision
from fangkong.zoning.rules import is_wider, largest_unit, naming, overdue_after
from fangkong.zoning.selectors import areas_changed_since

from .choices import FlagKind, FlagRuleCode

SUPERVISION = f"{SEED_000}：纪委监委重点对工作落实不力、“层层加码”“一刀切”等落实疫情防控政策不力的予以严肃追责问责"
DUTY = f"{SEED_002}：“4+N”管控机制，实行24小时值班值守，责任明确到人"
# The lifting clocks are one statement over every resident of every area (the heaviest rule): between
# two full runs it is recomputed only when an area changed, the day changed, or this long has passed.
LIFTING_REFRESH = dt.timedelta(hours=1)
DUTY_REFRESH = dt.timedelta(minutes=15)
# Rows written by transactions still open at the last run may carry lower ids than newer rows: the
# position stops below the first hole among this many newest ids (testing.selectors.repeats.settled_sample_id).
OVERLAP_ROWS = 2_000
TWICE_WINDOW_DAYS = 2  # today and yesterday (Beijing): a day's flag closes when its day leaves the window


@dataclass(frozen=True)
class Evidence:
    ref: str  # the item's kind ("cases.transfer")
    id: int
    text: str  # no personal details: ids, barcodes, place names, times

    def as_json(self) -> dict[str, Any]:
        return {"ref": self.ref, "id": self.id, "text": self.text}


@dataclass
class Finding:
    """Where a rule's condition holds: its subject, the place responsible and the items."""

    subject: str
    places: tuple[int | None, int | None, int | None]  # district, street, community
    title: str = ""
    items: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Mark:
    """What a rule knows of its last runs (FlagWatermark): when it last ran (None: never, or a full
    run is asked), when it last ran over the whole city, and its own position (a row id) if it keeps one."""

    since: dt.datetime | None = None
    full_at: dt.datetime | None = None
    position: int | None = None


FULL = Mark()


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]
    complete: bool = True  # every place where the condition holds (else: only what changed)
    skipped: bool = False  # nothing it reads changed since the last run: its flags stay as they are
    position: int | None = None  # the rule's new position, for its next incremental run


@dataclass(frozen=True)
class FlagRule:
    code: str
    kind: str
    label: Any
    citation: Callable[[], str]
    find: Callable[[dt.datetime, Mark], Outcome]
    expired: Callable[[str, dt.datetime], bool] | None = None  # an incremental rule's flag whose window has passed


def _fresh(mark: Mark, now: dt.datetime, within: dt.timedelta) -> bool:
    """The rule ran over the whole city less than `within` ago (and has run since)."""
    return mark.full_at is not None and mark.since is not None and now - mark.full_at < within


def _cite(*keys: str) -> Callable[[], str]:
    def citation() -> str:
        return "\n".join([*(policy_rule(k).citation for k in keys), SUPERVISION])

    return citation


def _local(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%m-%d %H:%M}" if moment else "—"


def by_community(rows: Iterable[tuple], item: Callable[[tuple], Evidence]) -> list[Finding]:
    """Group rows ending in (district, street, community) by their lowest place: one finding each."""
    out: dict[str, Finding] = {}
    for row in rows:
        d, s, c = row[-3:]
        subject = f"community:{c}" if c else f"street:{s}" if s else f"district:{d}"
        out.setdefault(subject, Finding(subject, (d, s, c))).items.append(item(row))
    return list(out.values())


def transfers_overdue(now: dt.datetime, mark: Mark) -> Outcome:
    rows = overdue_transfers(CITY_WIDE, now).values_list("pk", "case_id", "deadline_at", "district_id", "street_id", "community_id")
    return Outcome(
        by_community(
            rows.order_by("deadline_at", "pk"),
            lambda r: Evidence("cases.transfer", r[0], _("病例 #%(case)s · 时限 %(at)s 未收治") % {"case": r[1], "at": _local(r[2])}),
        )
    )


def isolations_overdue(now: dt.datetime, mark: Mark) -> Outcome:
    rows = overdue_episodes(CITY_WIDE, now).values_list("pk", "isolate_by", "district_id", "street_id", "community_id")
    return Outcome(
        by_community(
            rows.order_by("isolate_by", "pk"),
            lambda r: Evidence("isolation.episode", r[0], _("隔离 #%(pk)s · 时限 %(at)s 未入住") % {"pk": r[0], "at": _local(r[1])}),
        )
    )


def _tube_text(number: int, barcode: str, deadline: dt.datetime | None) -> str:
    return _("第%(n)s轮 试管 %(barcode)s · 时限 %(at)s 未出结果") % {"n": number, "barcode": barcode, "at": _local(deadline)}


def tubes_overdue(now: dt.datetime, mark: Mark) -> Outcome:
    rows = overdue_tubes(CITY_WIDE, now).values_list(
        "pk", "round__number", "barcode", "deadline_at", "district_id", "street_id", "community_id"
    )
    return Outcome(
        by_community(
            rows.order_by("deadline_at", "pk"),
            lambda r: Evidence(
                "testing.tube",
                r[0],
                _("第%(n)s轮 试管 %(barcode)s · 时限 %(at)s 未出结果") % {"n": r[1], "barcode": r[2], "at": _local(r[3])},
            ),
        )
    )


def duty_gaps(now: dt.datetime, mark: Mark) -> Outcome:
    """Sealed compounds whose 4+N roster has a gap in the next 24 hours (the landing panel's rule).
    Its window slides with the clock, so between full runs it is re-read every DUTY_REFRESH, or at
    once when an area changed (a compound newly sealed needs its roster)."""
    if _fresh(mark, now, DUTY_REFRESH) and not areas_changed_since(mark.since):
        return Outcome([], skipped=True)
    findings = []
    # Compounds without a roster share their gaps (each role, the whole window): each gap's words
    # are made once per run, not once per compound.
    labels: dict[tuple[str, dt.datetime, dt.datetime], str] = {}
    for row in duty_board(user=CITY_WIDE, at=now, limit=10**7):
        if not (row.sealed and row.gaps):
            continue
        c = row.compound
        items = []
        for gap in row.gaps:
            key = (gap.role, gap.starts_at, gap.ends_at)
            if key not in labels:
                labels[key] = gap.label
            items.append(Evidence("geo.compound", c.pk, labels[key]))
        findings.append(Finding(f"compound:{c.pk}", (c.district_id, c.street_id, c.community_id), c.name, items))
    return Outcome(findings)


def areas_kept_too_long(now: dt.datetime, mark: Mark) -> Outcome:
    """Areas due to lift and still in force past risk.lift_overdue_days (长时间不解封)."""
    if _fresh(mark, now, LIFTING_REFRESH) and local_date(mark.since) == local_date(now) and not areas_changed_since(mark.since):
        return Outcome([], skipped=True)
    since_by_pk = {row[0]: row[4] for row in overdue_deadlines(CITY_WIDE, now)}
    named = naming()
    findings = []
    for pk, name, cls, d, s, c in overdue_to_lift(CITY_WIDE, now).values_list(
        "pk", "name", "area_class", "district_id", "street_id", "community_id"
    ):
        text = _("%(area)s（%(cls)s）满足解除条件，自 %(at)s 起逾期未解除") % {
            "area": name,
            "cls": named.label(cls),
            "at": _local(since_by_pk.get(pk)),
        }
        findings.append(Finding(f"area:{pk}", (d, s, c), name, [Evidence("zoning.riskarea", pk, text)]))
    return Outcome(findings)


def _wider_q() -> Q:
    """Areas with a place at a level wider than their class's unit under the active profile."""
    q = Q(pk__in=[])
    for cls in AreaClass.values:
        unit = largest_unit(cls).value
        q |= Q(area_class=cls, places__level__in=[lv for lv in PLACE_WIDTH if is_wider(lv, unit)])
    return q


def areas_too_wide(now: dt.datetime, mark: Mark) -> Outcome:
    """Areas in force drawn at a place wider than the policy's unit (e.g. a community where the
    rule says a building): those the declaration flagged (zoning.pages.flagged_for_supervision) and
    any other in force whose places are wider under the active profile (an area recorded by hand).
    Each wider place is an item."""
    named = naming()
    flagged = flagged_for_supervision(user=CITY_WIDE).filter(status=AreaStatus.IN_FORCE).values("pk")
    areas = in_force(CITY_WIDE, now).filter(Q(pk__in=flagged) | _wider_q()).distinct().prefetch_related("places")
    findings = []
    for area in areas:
        unit = largest_unit(area.area_class).value
        wider = [p for p in area.places.all() if is_wider(p.level, unit)]
        items = [
            Evidence(
                "zoning.riskareaplace",
                p.pk,
                _("%(area)s（%(cls)s）按%(level)s划定：%(place)s，政策划定单位为%(unit)s")
                % {
                    "area": area.name,
                    "cls": named.label(area.area_class),
                    "level": p.get_level_display(),
                    "place": p.name,
                    "unit": _unit_label(unit),
                },
            )
            for p in wider
        ]
        if items:
            findings.append(Finding(f"area:{area.pk}", (area.district_id, area.street_id, area.community_id), area.name, items))
    return Outcome(findings)


def _unit_label(unit: str) -> str:
    return str(PlaceLevel(unit).label) if unit in PlaceLevel.values else unit


def _areas_too_wide_citation() -> str:
    keys = sorted({largest_unit(c).key for c in naming().classes})
    return "\n".join([*(policy_rule(k).citation for k in keys), SUPERVISION])


def tested_twice(now: dt.datetime, mark: Mark) -> Outcome:
    """People sampled into two round tubes on one day (not a door re-test): one flag per community
    and day, each person-day an item named by its tubes. Incremental: after the first full run only
    the people with sample rows written since the last run's position are looked at (nothing else: an
    idle run reads no sample), and their items are added to the day's flag."""
    day_from = local_date(now) - dt.timedelta(days=TWICE_WINDOW_DAYS - 1)
    incremental = mark.full_at is not None and mark.position is not None
    position = settled_sample_id(lookback=OVERLAP_ROWS)  # taken before reading: rows written meanwhile are read next time
    after = mark.position if incremental else None
    repeats = sampled_twice(day_from=day_from, until=now, after_id=after)
    out: dict[str, Finding] = {}
    tube_words, day_words = _("第%(n)s轮 试管 %(barcode)s %(at)s"), _("%(day)s 同一人采样 %(k)s 次：%(tubes)s")  # once per run
    for r in repeats:
        last = r.samples[-1]
        subject = f"community:{last.community_id}:{r.day.isoformat()}"
        tubes = "；".join(tube_words % {"n": s.round_number, "barcode": s.barcode, "at": _local(s.sampled_at)} for s in r.samples)
        text = day_words % {"day": r.day.isoformat(), "k": len(r.samples), "tubes": tubes}
        finding = out.setdefault(subject, Finding(subject, (last.district_id, last.street_id, last.community_id), r.day.isoformat()))
        finding.items.append(Evidence("testing.tubemember", last.member_id, text))
    return Outcome(list(out.values()), complete=not incremental, position=position)


def _day_expired(subject: str, now: dt.datetime) -> bool:
    day = dt.date.fromisoformat(subject.rsplit(":", 1)[-1])
    return day < local_date(now) - dt.timedelta(days=TWICE_WINDOW_DAYS - 1)


RULES: tuple[FlagRule, ...] = (
    FlagRule(
        FlagRuleCode.TRANSFER_OVERDUE,
        FlagKind.UNDER,
        FlagRuleCode.TRANSFER_OVERDUE.label,
        _cite("transfer.deadline"),
        transfers_overdue,
    ),
    FlagRule(
        FlagRuleCode.ISOLATION_OVERDUE,
        FlagKind.UNDER,
        FlagRuleCode.ISOLATION_OVERDUE.label,
        _cite("contact.isolation_deadline"),
        isolations_overdue,
    ),
    FlagRule(
        FlagRuleCode.TUBE_OVERDUE,
        FlagKind.UNDER,
        FlagRuleCode.TUBE_OVERDUE.label,
        _cite("testing.result_deadline_hours"),
        tubes_overdue,
    ),
    FlagRule(
        FlagRuleCode.DUTY_GAP,
        FlagKind.UNDER,
        FlagRuleCode.DUTY_GAP.label,
        lambda: f"{DUTY}\n{SUPERVISION}",
        duty_gaps,
    ),
    FlagRule(
        FlagRuleCode.AREA_KEPT_TOO_LONG,
        FlagKind.OVER,
        FlagRuleCode.AREA_KEPT_TOO_LONG.label,
        lambda: f"{overdue_after().citation}\n{SUPERVISION}",
        areas_kept_too_long,
    ),
    FlagRule(
        FlagRuleCode.AREA_TOO_WIDE,
        FlagKind.OVER,
        FlagRuleCode.AREA_TOO_WIDE.label,
        _areas_too_wide_citation,
        areas_too_wide,
    ),
    FlagRule(
        FlagRuleCode.TESTED_TWICE,
        FlagKind.OVER,
        FlagRuleCode.TESTED_TWICE.label,
        lambda: SUPERVISION,
        tested_twice,
        expired=_day_expired,
    ),
)
RULES_BY_CODE = {r.code: r for r in RULES}


def rule_label(code: str) -> str:
    r = RULES_BY_CODE.get(code)
    return str(r.label) if r else code
