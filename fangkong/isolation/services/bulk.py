"""Set-based 流调 and check-in, thousands of people per call: the rules of `contact_add` and
`episode_check_in`, checked in sets, written with fangkong.core.bulk.

- `contacts_add_bulk`: close contacts of cases (a tracing team's list, a big-data push), each
  isolated the same day as `contact_add` does it: a new contact gets a contact record, an exposure
  and an isolation episode due by the policy's deadline (`contact.isolation_deadline`); a person
  who is already a contact in isolation gets one more exposure; a person isolated for another
  reason keeps that episode.
- `episodes_check_in_bulk`: people checked in to rooms, each with the regimen of the active policy
  (the same days, tests and citations as `episode_check_in`); one party per room and never over
  capacity, counting the earlier rows of the same call.

Each call is one transaction and all or nothing: every row at fault is named (`RowsRefused`, each
row's refusal with its rule) and nothing is written. The checks are a handful of queries per call
whatever its size (on PostgreSQL each look-up takes its ids as one typed array, `= ANY(…)`); rows
are written with binary COPY (PostgreSQL; the regimen's tests by one INSERT … SELECT generated on
the server) or executemany (SQLite); the policy citations are stored once (RuleCitation) and the rows
carry their ids; decision 0003 has the measurements. The locks are
the single path's, taken in sets and in the same order (people, then episodes, then rooms, each by
id), so a bulk call and single calls never deadlock on each other. Audit: one event per batch and
event type, with the counts and the ids of what it wrote.

Not handled here (refused, naming `tracing.bulk_single_path`): secondary contacts (次密接), and a
close contact who is currently a secondary contact in home isolation (the upgrade cancels that
episode): those go through `contact_add`, one at a time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Min, Q
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.cases.choices import CASE_ACTIVE, CaseStatus
from fangkong.cases.models import Case, Transfer
from fangkong.core.bulk import BulkWriter, analyze_if_grown, reserve_ids
from fangkong.core.clock import NOT_IN_FUTURE, TIME_ORDER, aware, future_message, is_future, not_in_future, now, order_message
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.rows import RowError, RowsRefused
from fangkong.core.sql import PG_CHUNK, SQLITE_CHUNK, db_value
from fangkong.geo.models import Community, Person
from fangkong.policy.regimen import deadline_after, regimen_day, regimen_day_starts_at
from fangkong.policy.rules import rule

from .. import events
from ..choices import EPISODE_OPEN, EPISODE_TRANSITIONS, ContactKind, EpisodeKind, EpisodeStatus, ExposureType, TestPhase
from ..models import Contact, ContactLink, IsolationEpisode, IsolationSite, Room, RoomStay, RuleCitation, ScheduledTest
from ..permissions import IsolationCap
from .common import TRANSITIONS_RULE, receives_at, who
from .episodes import DEADLINE_KEY, ONE_OPEN_EPISODE, ONE_OPEN_STAY, ROOM_CAPACITY, ROOM_ONE_PARTY, SITE_ASSIGNMENT
from .regimen import RegimenPlan, central_test_key, home_test_key, regimen_plan
from .tracing import (
    CASE_SCOPE,
    CASE_WITHDRAWN,
    CONTACT_IS_CASE,
    DUPLICATE_LINK,
    EXPOSURE_BEFORE_IDENTIFICATION,
    EXPOSURE_BEFORE_ISOLATION,
    NOT_SELF,
    _fmt,
)

SINGLE_PATH = "tracing.bulk_single_path"
EPISODE_SCOPE = "isolation.episode_scope"


def _refuse(errors: list[RowError], fallback: str) -> None:
    if errors:
        rules = {e.rule for e in errors if e.rule}
        raise RowsRefused(errors, rule=rules.pop() if len(rules) == 1 else fallback)


def _chunks(values: Sequence[Any]) -> Iterator[list[Any]]:
    size = PG_CHUNK if connection.vendor == "postgresql" else SQLITE_CHUNK
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


class _AnyOf(models.Func):
    """`column = ANY(%s)` with the values as one array parameter (PostgreSQL): a 20,000-value `IN`
    list costs Django ~60 ms to compile and PostgreSQL as much to parse, per query."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, field: str, values: list[Any]) -> None:
        super().__init__(F(field))
        self.values = values

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        column = self.source_expressions[0]
        lhs, params = compiler.compile(column)
        # Typed as the column: `bigint = ANY(integer[])` cannot be hashed, and a sequential scan then
        # compares every row with every value (seconds for 20,000 × 80,000).
        return f"{lhs} = ANY(%s::{column.output_field.cast_db_type(connection)}[])", [*params, self.values]


def _in(field: str, values: list[Any]) -> Q | _AnyOf:
    """`field__in=values`, as one array parameter on PostgreSQL."""
    if connection.vendor == "postgresql":
        return _AnyOf(field, list(values))
    return Q(**{f"{field}__in": values})


def _user_or_none(actor: Any) -> int | None:
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def _layout(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], tuple]:
    """The columns to write: `given` first, then every other concrete column with its empty value
    (NULL, the field's default, or '') — computed once per call, not per row."""
    rest, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        rest.append(f.column)
        if f.null:
            values.append(None)
        elif f.has_default():
            values.append(f.get_default())
        elif isinstance(f, (models.CharField, models.TextField)):
            values.append("")
        else:  # pragma: no cover - a new non-null column without a default must be given
            raise TypeError(f"{model.__name__}.{f.name} needs a value")
    return [*given, *rest], tuple(values)


@contextmanager
def _refused_if_raced(message: str, rule_name: str) -> Iterator[None]:
    """Another call (bulk or single) got past the checks at the same instant: the unique index stops
    this one, and it gets a refusal naming the rule instead of a server error."""
    try:
        with transaction.atomic():
            yield
    except (IntegrityError, connection.Database.IntegrityError) as exc:  # COPY raises the driver's own error
        raise DomainError(message, rule=rule_name) from exc


# ---- 流调: close contacts in bulk ----


@dataclass
class BulkContact:
    """One exposure: `person_id` was a close contact of `case_id`. `community_id`: where a person
    with no registry address lives (as contact_add's `community`)."""

    person_id: int
    case_id: int
    exposure: str
    place: str
    last_exposure_at: dt.datetime
    community_id: int | None = None
    note: str = ""
    row: int = 0


@dataclass
class BulkContactsReport:
    contacts_added: int
    exposures_added: int
    episodes_opened: int
    isolated_already: int  # new contacts kept under the open episode they already had
    linked_existing: int  # exposures added to contacts already in isolation
    contact_of: dict[int, int] = field(default_factory=dict)  # person → contact
    episode_of: dict[int, int] = field(default_factory=dict)  # person → isolation episode


@dataclass
class _Person:
    id: int
    name: str
    household_id: int | None
    district_id: int | None
    street_id: int | None
    community_id: int | None
    grid_id: int | None


@dataclass
class _Current:
    """A contact record still in force (its episode open), or one this call creates."""

    id: int | None
    kind: str
    episode_id: int | None
    checked_in_at: dt.datetime | None
    new: bool = False
    row: BulkContact | None = None  # the first row of a new contact


def _isolated_since_by_case(cases: dict[int, tuple]) -> dict[int, tuple[dt.datetime, str]]:
    """tracing.case_isolated_since for many cases at once: the earliest of check-in at the isolation
    site where the case was found, pick-up by a transfer, first admission."""
    found: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    ids = list(cases)
    for chunk in _chunks(ids):
        episodes = IsolationEpisode.objects.filter(_in("case_id", chunk), checked_in_at__isnull=False, released_at__isnull=True)
        for case_id, t in episodes.order_by().values("case_id").annotate(t=Min("checked_in_at")).values_list("case_id", "t"):
            found[case_id].append((t, _("入住集中隔离点")))
        transfers = Transfer.objects.filter(_in("case_id", chunk), picked_up_at__isnull=False)
        for case_id, t in transfers.order_by().values("case_id").annotate(t=Min("picked_up_at")).values_list("case_id", "t"):
            found[case_id].append((t, _("转运接到")))
    for case_id, (_person, _status, admitted) in cases.items():
        if admitted is not None:
            found[case_id].append((admitted, _("入院收治")))
    return {case_id: min(v, key=lambda f: f[0]) for case_id, v in found.items() if v}


def _after_isolation(last: dt.datetime, since: tuple[dt.datetime, str] | None, whom: str) -> str | None:
    if since is not None and last > since[0]:
        return _("末次接触时间 %(t)s 晚于%(whom)s%(what)s的时间 %(s)s，此后不可能接触") % {
            "t": _fmt(last),
            "whom": whom,
            "what": since[1],
            "s": _fmt(since[0]),
        }
    return None


def _party(person: _Person) -> str:
    """episodes.default_party for a person read as a row."""
    return f"household:{person.household_id}" if person.household_id else f"person:{person.id}"


@transaction.atomic
def contacts_add_bulk(*, actor: Any, rows: Sequence[BulkContact | dict], identified_at: dt.datetime | None = None) -> BulkContactsReport:
    """Record many close contacts of cases and isolate them the same day, as `contact_add` does one.

    Refused rows (nothing written): an exposure after the identification or after the case (or the
    contact) was isolated, a withdrawn case, a case the user does not see, a person as their own
    contact, the same exposure twice, a person who is an active case, a person without an address
    and no community given; secondary contacts go through `contact_add`."""
    require(actor, IsolationCap.TRACE)
    at = aware(identified_at)
    not_in_future(at, field="identified_at", label=_("判定时间"))
    rows = [r if isinstance(r, BulkContact) else BulkContact(**r) for r in rows]
    if not rows:
        raise DomainError(_("请至少提交一条密接"), field="rows")
    errors: list[RowError] = []
    kinds_of_exposure = set(ExposureType.values)
    for i, r in enumerate(rows, start=1):
        r.row = r.row or i
        if r.last_exposure_at is None or r.last_exposure_at.tzinfo is None:
            errors.append(RowError(r.row, "last_exposure_at", _("时间须带时区")))
        elif is_future(r.last_exposure_at):
            errors.append(RowError(r.row, "last_exposure_at", future_message(r.last_exposure_at, label=_("末次接触时间")), NOT_IN_FUTURE))
        elif r.last_exposure_at > at:
            message = _("末次接触时间 %(t)s 晚于判定时间 %(s)s") % {"t": _fmt(r.last_exposure_at), "s": _fmt(at)}
            errors.append(RowError(r.row, "last_exposure_at", message, EXPOSURE_BEFORE_IDENTIFICATION))
        if r.exposure not in kinds_of_exposure:
            errors.append(RowError(r.row, "exposure", _("请选择接触方式")))
        r.place = (r.place or "").strip()
        if not r.place:
            errors.append(RowError(r.row, "place", _("请填写接触地点")))
    _refuse(errors, "tracing.bulk_format")

    # The cases: seen by the user, not withdrawn, and when each was isolated.
    case_ids = sorted({r.case_id for r in rows})
    visible: set[int] = set()
    cases: dict[int, tuple] = {}
    for chunk in _chunks(case_ids):
        visible.update(Case.objects.visible_to(actor).filter(_in("pk", chunk)).order_by().values_list("pk", flat=True))
        for pk, person_id, status, admitted in (
            Case.objects.filter(_in("pk", chunk)).order_by().values_list("pk", "person_id", "status", "first_admitted_at")
        ):
            cases[pk] = (person_id, status, admitted)
    hidden = [pk for pk in case_ids if pk not in visible]
    if hidden:
        raise PermissionRefused(_("病例 %(ids)s 不在您的管辖范围内") % {"ids": "、".join(f"#{pk}" for pk in hidden[:10])}, rule=CASE_SCOPE)
    since_by_case = _isolated_since_by_case(cases)

    # The people, locked in id order (as contact_add locks one), then what they already are.
    person_ids = sorted({r.person_id for r in rows})
    people: dict[int, _Person] = {}
    for chunk in _chunks(person_ids):
        for p in (
            Person.objects.select_for_update()
            .filter(_in("pk", chunk))
            .order_by("pk")
            .values_list("pk", "name", "household_id", "district_id", "street_id", "community_id", "grid_id")
        ):
            people[p[0]] = _Person(*p)
    active_case: dict[int, int] = {}
    current: dict[int, _Current] = {}
    open_episode: dict[int, tuple[int, str]] = {}
    checked_in: dict[int, dt.datetime | None] = {}  # open episode → check-in time
    linked: set[tuple[int, int]] = set()  # (contact, case) already recorded
    for chunk in _chunks(sorted(people)):
        active = Case.objects.filter(_in("person_id", chunk), status__in=CASE_ACTIVE).order_by("pk")
        for person_id, pk in active.values_list("person_id", "pk"):
            active_case.setdefault(person_id, pk)
        # The open episodes (one per person at most), locked after the people, as contact_add does.
        for pk, person_id, kind, checked_in_at in (
            IsolationEpisode.objects.select_for_update()
            .filter(_in("person_id", chunk), status__in=EPISODE_OPEN)
            .order_by("pk")
            .values_list("pk", "person_id", "kind", "checked_in_at")
        ):
            open_episode[person_id] = (pk, kind)
            checked_in[pk] = checked_in_at
    # The contact records in force: those of the open episodes (one each at most). Read by episode,
    # not joined to the episodes by person: that join hashes the whole episode table every call.
    for chunk in _chunks(sorted(checked_in)):
        for pk, person_id, kind, episode_id in (
            Contact.objects.filter(_in("episode_id", chunk)).order_by().values_list("pk", "person_id", "kind", "episode_id")
        ):
            current[person_id] = _Current(pk, kind, episode_id, checked_in[episode_id])
    existing_ids = [c.id for c in current.values()]
    for chunk in _chunks(existing_ids):
        linked.update(
            ContactLink.objects.filter(_in("contact_id", chunk), via__isnull=True).order_by().values_list("contact_id", "case_id")
        )
    communities = {
        c[0]: c
        for chunk in _chunks(sorted({r.community_id for r in rows if r.community_id}))
        for c in Community.objects.filter(_in("pk", chunk)).order_by().values_list("pk", "district_id", "street_id")
    }

    # Row by row, in order, as the single path would take them one after another. A person the tracer
    # may not see (they hold the number: a contact from another district) is not described.
    the_case, this_person = _("病例"), _("该人员")

    accepted: list[tuple[BulkContact, _Person, _Current]] = []
    new_key = -1  # new contacts get negative keys until their ids are reserved
    for r in rows:
        p = people.get(r.person_id)
        case = cases.get(r.case_id)
        if p is None:
            errors.append(RowError(r.row, "person", _("人员不存在")))
            continue
        person_id, status, _admitted = case
        if status == CaseStatus.WITHDRAWN:
            errors.append(RowError(r.row, "case", _("病例 #%(n)s 已撤销，不能登记密接") % {"n": r.case_id}, CASE_WITHDRAWN))
            continue
        if p.id == person_id:
            errors.append(RowError(r.row, "person", _("不能把病例本人登记为自己的密接"), NOT_SELF))
            continue
        message = _after_isolation(r.last_exposure_at, since_by_case.get(r.case_id), the_case)
        if message:
            errors.append(RowError(r.row, "last_exposure_at", message, EXPOSURE_BEFORE_ISOLATION))
            continue
        if p.id in active_case:
            message = (
                _("%(p)s 已是在管病例 #%(n)s，不再登记为密接") % {"p": p.name, "n": active_case[p.id]}
                if who(actor, p) == p.name
                else _("该人员已是在管病例，不再登记为密接")
            )
            errors.append(RowError(r.row, "person", message, CONTACT_IS_CASE))
            continue
        if not p.community_id and r.community_id is None:
            errors.append(RowError(r.row, "community", _("该人员在人口库中没有住址，请选择现住社区")))
            continue
        if r.community_id is not None and r.community_id not in communities:
            errors.append(RowError(r.row, "community", _("社区不存在")))
            continue
        c = current.get(p.id)
        if c is None:
            existing = open_episode.get(p.id)
            if existing is not None and existing[1] == EpisodeKind.SECONDARY_CONTACT:
                message = _("该人员正在次密接居家隔离，改判为密接请逐个登记")
                errors.append(RowError(r.row, "person", message, SINGLE_PATH))
                continue
            c = _Current(new_key, ContactKind.CLOSE_CONTACT, existing[0] if existing else None, None, new=True, row=r)
            new_key -= 1
            current[p.id] = c
        else:
            if (c.id, r.case_id) in linked:
                message = _("%(p)s 与该%(whom)s的接触已登记") % {"p": who(actor, p), "whom": the_case}
                errors.append(RowError(r.row, "case", message, DUPLICATE_LINK))
                continue
            if not c.new:
                since = (c.checked_in_at, _("入住集中隔离点")) if c.checked_in_at else None
                message = _after_isolation(r.last_exposure_at, since, this_person)
                if message:
                    errors.append(RowError(r.row, "last_exposure_at", message, EXPOSURE_BEFORE_ISOLATION))
                    continue
                if c.kind == ContactKind.SECONDARY_CONTACT:
                    message = _("该人员现为次密接，改判为密接请逐个登记")
                    errors.append(RowError(r.row, "person", message, SINGLE_PATH))
                    continue
        linked.add((c.id, r.case_id))
        accepted.append((r, p, c))
    _refuse(errors, "tracing.bulk")

    # Write: the new episodes, the new contacts (pointing at them), every exposure.
    written_at = now()
    actor_id = _user_or_none(actor)
    deadline = rule(DEADLINE_KEY[EpisodeKind.CLOSE_CONTACT])
    isolate_by = deadline_after(deadline.value, at)
    new_contacts = [(r, p, c) for r, p, c in accepted if c.new and c.row is r]
    to_open = [(r, p, c) for r, p, c in new_contacts if c.episode_id is None]
    episode_ids = reserve_ids(IsolationEpisode, len(to_open))
    episode_cols, episode_rest = _layout(
        IsolationEpisode,
        ["id", "created_at", "updated_at", "person_id", "kind", "source", "status", "party", "identified_at", "isolate_by",
         "isolate_by_citation_id", "opened_by_id", "district_id", "street_id", "community_id", "grid_id", "household_id"],
    )  # fmt: skip
    episode_rows = []
    source_text = _("流调：病例 #%(c)s 的密接")  # tracing._source_text
    citation = RuleCitation.ids_for([deadline.citation]).get(deadline.citation) if to_open else None  # stored once
    for (r, p, c), pk in zip(to_open, episode_ids, strict=True):
        c.episode_id = pk
        if p.community_id or r.community_id is None:
            places = (p.district_id, p.street_id, p.community_id, p.grid_id, p.household_id)
        else:  # episodes._places_of with the destination community
            _pk, district_id, street_id = communities[r.community_id]
            places = (district_id, street_id, r.community_id, None, None)
        source = (source_text % {"c": r.case_id})[:200]
        episode_rows.append(
            (pk, written_at, written_at, p.id, EpisodeKind.CLOSE_CONTACT, source, EpisodeStatus.AWAITING_TRANSFER, _party(p)[:48],
             at, isolate_by, citation, actor_id, *places, *episode_rest)
        )  # fmt: skip
    contact_ids = reserve_ids(Contact, len(new_contacts))
    contact_cols, contact_rest = _layout(
        Contact,
        ["id", "created_at", "updated_at", "person_id", "kind", "identified_at", "identified_by_id", "episode_id", "note",
         "district_id", "street_id", "community_id", "grid_id", "household_id"],
    )  # fmt: skip
    contact_rows = []
    for (r, p, c), pk in zip(new_contacts, contact_ids, strict=True):
        c.id = pk
        if p.community_id or r.community_id is None:  # tracing._places
            places = (p.district_id, p.street_id, p.community_id, p.grid_id, p.household_id)
        else:
            _pk, district_id, street_id = communities[r.community_id]
            places = (district_id, street_id, r.community_id, None, None)
        contact_rows.append(
            (pk, written_at, written_at, p.id, ContactKind.CLOSE_CONTACT, at, actor_id, c.episode_id, r.note.strip()[:200], *places,
             *contact_rest)
        )  # fmt: skip
    link_cols, link_rest = _layout(
        ContactLink, ["contact_id", "case_id", "exposure", "place", "last_exposure_at", "note", "created_at", "created_by_id"]
    )
    link_rows = [
        (c.id, r.case_id, r.exposure, r.place[:200], r.last_exposure_at, r.note.strip()[:200], at, actor_id, *link_rest)
        for r, _p, c in accepted
    ]
    with _refused_if_raced(_("其中有人员刚被登记隔离，请刷新后重试"), ONE_OPEN_EPISODE):
        BulkWriter(IsolationEpisode, episode_cols, binary=True).write(episode_rows)
    with _refused_if_raced(_("该接触已登记"), DUPLICATE_LINK):
        BulkWriter(Contact, contact_cols, binary=True).write(contact_rows)
        BulkWriter(ContactLink, link_cols, binary=True).write(link_rows)
    # The tables grow from nothing to hundreds of thousands of rows in minutes, faster than autovacuum
    # re-samples them: plans made from the old statistics go wrong (fangkong.core.bulk.analyze_if_grown).
    transaction.on_commit(lambda: analyze_if_grown(IsolationEpisode, Contact, ContactLink))

    report = BulkContactsReport(
        contacts_added=len(new_contacts),
        exposures_added=len(link_rows),
        episodes_opened=len(to_open),
        isolated_already=len(new_contacts) - len(to_open),
        linked_existing=sum(1 for _r, _p, c in accepted if not c.new),
        contact_of={p.id: c.id for _r, p, c in accepted},
        episode_of={p.id: c.episode_id for _r, p, c in accepted},
    )
    by_case = Counter(r.case_id for r, _p, _c in accepted)
    if episode_ids:
        audit_record(
            actor=actor,
            event_type=events.EPISODE_OPENED,
            object_type=IsolationEpisode._meta.label_lower,
            object_repr=_("批量登记隔离 %(n)s 人") % {"n": len(episode_ids)},
            count=len(episode_ids),
            after={
                "kind": EpisodeKind.CLOSE_CONTACT,
                "status": EpisodeStatus.AWAITING_TRANSFER,
                "isolate_by": isolate_by,
                "rule": deadline.citation,
                "identified_at": at,
                "episodes": episode_ids,
            },
        )
    if new_contacts:
        audit_record(
            actor=actor,
            event_type=events.CONTACT_ADDED,
            object_type=Contact._meta.label_lower,
            object_repr=_("批量登记密接 %(n)s 人") % {"n": len(new_contacts)},
            count=len(new_contacts),
            after={
                "kind": ContactKind.CLOSE_CONTACT,
                "cases": dict(sorted(by_case.items())),
                "exposures": len(link_rows),
                "episodes_opened": len(to_open),
                "isolated_already": report.isolated_already,
                "isolate_by": isolate_by,
                "rule": deadline.citation,
                "contacts": contact_ids,
            },
        )
    if report.linked_existing:
        existing = sorted({c.id for _r, _p, c in accepted if not c.new})
        audit_record(
            actor=actor,
            event_type=events.CONTACT_LINKED,
            object_type=Contact._meta.label_lower,
            object_repr=_("批量关联病例 %(n)s 条") % {"n": report.linked_existing},
            count=report.linked_existing,
            after={"contacts": existing, "cases": sorted({r.case_id for r, _p, c in accepted if not c.new})},
        )
    return report


# ---- check-in in bulk ----


@dataclass
class BulkCheckIn:
    """Check the person of `episode_id` in to `room_id`; `party` overrides the episode's (a group)."""

    episode_id: int
    room_id: int
    party: str = ""
    row: int = 0


@dataclass
class BulkCheckInReport:
    checked_in: int
    tests_scheduled: int
    within_deadline: int
    by_site: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Regimen:
    """What regimen.schedule fixes on an episode that starts at `start_at`, and its tests."""

    plan: RegimenPlan
    text: str
    central_until: dt.datetime | None
    home_until: dt.datetime | None
    tests: tuple[tuple[str, int, dt.date, str], ...]  # (phase, day, due date, rule)

    def texts(self) -> list[str]:
        return [self.text, *(t[3] for t in self.tests)]


def regimen_for(kind: str, plan: RegimenPlan, start_at: dt.datetime) -> _Regimen:
    """regimen.schedule's days and tests, computed once for every episode of `kind` starting at `start_at`."""
    conv = plan.convention
    total = plan.central_days + plan.home_days
    probe = IsolationEpisode(kind=kind)  # the test keys depend on the kind only
    return _Regimen(
        plan=plan,
        text=plan.text,
        central_until=regimen_day_starts_at(start_at, plan.central_days + 1, convention=conv) if plan.central_days else None,
        home_until=regimen_day_starts_at(start_at, total + 1, convention=conv) if plan.home_days else None,
        tests=tuple(
            [
                (TestPhase.CENTRAL, n, regimen_day(start_at, n, convention=conv), plan.citation(central_test_key(probe)))
                for n in plan.central_test_days
            ]
            + [
                (TestPhase.HOME, n, regimen_day(start_at, plan.central_days + n, convention=conv), plan.citation(home_test_key(probe)))
                for n in plan.home_test_days
            ]
        ),
    )


def _start_regimens(
    reg_by_kind: dict[str, _Regimen], rows: dict[str, list[tuple[int, int, str]]], at: dt.datetime, cited: dict[str, int]
) -> None:
    """The episode side of check-in: status, site, party and the regimen fixed on the episode.

    Everything but the site and the party is the same for every episode of a kind in the call, so it
    is sent once per kind; (id, site, party) go as three arrays (PostgreSQL: one UPDATE … FROM unnest;
    SQLite: executemany)."""
    q = connection.ops.quote_name
    written_at = now()
    with connection.cursor() as cur:
        for kind, items in rows.items():
            reg = reg_by_kind[kind]
            plan = reg.plan
            fixed = {
                "status": EpisodeStatus.CHECKED_IN,
                "checked_in_at": at,
                "regimen_started_at": at,
                "policy_profile": plan.profile,
                "central_days": plan.central_days,
                "home_days": plan.home_days,
                "home_mode": plan.home_mode,
                "central_until": reg.central_until,
                "home_until": reg.home_until,
                "regimen_citation_id": cited.get(reg.text),
                "updated_at": written_at,
            }
            values = [db_value(v) for v in fixed.values()]
            sets = ", ".join(f"{q(c)} = %s" for c in fixed)
            table = q(IsolationEpisode._meta.db_table)
            if connection.vendor == "postgresql":
                ids, sites, parties = (list(col) for col in zip(*items, strict=True))
                # `t.id = ANY(…)` as well: joined on `t.id = v.id` alone the planner hashes the unnest and
                # scans the whole episode table — every call, the table growing by 20,000 wide rows each time.
                cur.execute(
                    f"UPDATE {table} AS t SET {sets}, site_id = v.site_id, party = v.party "
                    "FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS v(id, site_id, party) "
                    "WHERE t.id = v.id AND t.id = ANY(%s::bigint[])",
                    [*values, ids, sites, parties, ids],
                )
            else:
                sql = f"UPDATE {table} SET {sets}, site_id = %s, party = %s WHERE id = %s"
                cur.executemany(sql, [(*values, site, party, pk) for pk, site, party in items])


def _schedule_tests(reg_by_kind: dict[str, _Regimen], episodes_by_kind: dict[str, list[int]], cited: dict[str, int]) -> int:
    """The regimen's tests of every episode, the same few per kind.

    PostgreSQL: one INSERT … SELECT per kind, the episode ids crossed with the kind's tests on the
    server (sending 20,000 ids, not 120,000 rows; measured 0.4 s less per 20,000 episodes than COPY);
    SQLite: executemany."""
    cols, rest = _layout(ScheduledTest, ["episode_id", "phase", "day_number", "due_date", "citation_id"])
    written = 0
    if connection.vendor != "postgresql":
        writer = BulkWriter(ScheduledTest, cols)
        for kind, ids in episodes_by_kind.items():
            tests = reg_by_kind[kind].tests
            rows = [(pk, phase, n, due, cited.get(rule), *rest) for pk in ids for phase, n, due, rule in tests]
            written += writer.write(rows)
        return written
    q = connection.ops.quote_name
    table = q(ScheduledTest._meta.db_table)
    by_column = {f.column: f for f in ScheduledTest._meta.concrete_fields}
    constants = ", ".join(f"%s::{by_column[c].cast_db_type(connection)}" for c in cols[5:])  # typed: NULL has no type
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in cols)}) "
        f"SELECT e.id, t.phase, t.day_number, t.due_date, t.citation_id{', ' if rest else ''}{constants} "
        "FROM unnest(%s::bigint[]) WITH ORDINALITY AS e(id, n) "
        "CROSS JOIN unnest(%s::text[], %s::int[], %s::date[], %s::bigint[]) "
        "WITH ORDINALITY AS t(phase, day_number, due_date, citation_id, k) "
        "ORDER BY e.n, t.k"
    )
    with connection.cursor() as cur:
        for kind, ids in episodes_by_kind.items():
            tests = reg_by_kind[kind].tests
            if not tests or not ids:
                continue
            phases, days, dues, rules = (list(col) for col in zip(*tests, strict=True))
            cur.execute(sql, [*(db_value(v) for v in rest), ids, phases, days, dues, [cited.get(r) for r in rules]])
            written += len(ids) * len(tests)
    return written


@transaction.atomic
def episodes_check_in_bulk(*, actor: Any, assignments: Sequence[BulkCheckIn | dict], at: dt.datetime | None = None) -> BulkCheckInReport:
    """Check many people in to rooms at `at`, each starting the regimen of the active policy, as
    `episode_check_in` does one: the user must hold the sites and see the people; `at` may not be in
    the future, nor before an episode's identification or transfer; an episode may be checked in from
    awaiting transfer or in transit, at the site it was sent to; a person already in a room is
    refused, naming the room; a room takes one party (the earlier rows of this call count) and no
    more than its capacity, and must be in service, at a site in service."""
    require(actor, IsolationCap.MANAGE)
    at = aware(at)
    not_in_future(at, field="at", label=_("入住时间"))
    rows = [a if isinstance(a, BulkCheckIn) else BulkCheckIn(**a) for a in assignments]
    if not rows:
        raise DomainError(_("请至少提交一人"), field="assignments")
    for i, r in enumerate(rows, start=1):
        r.row = r.row or i
    errors: list[RowError] = []

    # Rooms and their sites; the user must hold every site named.
    rooms: dict[int, tuple] = {}
    for chunk in _chunks(sorted({r.room_id for r in rows})):
        for room in Room.objects.filter(_in("pk", chunk)).order_by().values_list("pk", "site_id", "number", "capacity", "is_active"):
            rooms[room[0]] = room
    site_ids = sorted({room[1] for room in rooms.values()})
    site_rows = IsolationSite.objects.filter(pk__in=site_ids).values_list("pk", "name", "is_active")
    sites = {pk: (name, active) for pk, name, active in site_rows}
    held = set(IsolationSite.objects.visible_to(actor).filter(pk__in=site_ids).values_list("pk", flat=True))
    refused = [sites[pk][0] for pk in site_ids if pk not in held]
    if refused:
        raise PermissionRefused(_("隔离点“%(s)s”不在您的管辖范围内") % {"s": "、".join(refused[:10])}, rule="isolation.site_scope")
    # The people the user sees (by their places), for those not checked in by the site's staff (common.require_check_in).
    episode_ids = sorted({r.episode_id for r in rows})
    visible: set[int] = set()
    not_staff = sorted({r.episode_id for r in rows if r.room_id in rooms and not receives_at(actor, rooms[r.room_id][1])})
    for chunk in _chunks(not_staff):
        visible.update(IsolationEpisode.objects.visible_to(actor).filter(_in("pk", chunk)).order_by().values_list("pk", flat=True))

    # Lock the episodes (by id), then read who is in a room already.
    episodes: dict[int, tuple] = {}
    for chunk in _chunks(episode_ids):
        for e in (
            IsolationEpisode.objects.select_for_update()
            .filter(_in("pk", chunk))
            .order_by("pk")
            .values_list("pk", "person_id", "status", "site_id", "party", "kind", "isolate_by", "identified_at", "transit_started_at")
        ):
            episodes[e[0]] = e
    in_room: dict[int, tuple[str, str]] = {}
    open_stays = [
        stay
        for chunk in _chunks(sorted({e[1] for e in episodes.values()}))
        for stay in RoomStay.objects.filter(_in("person_id", chunk), ended_at__isnull=True).order_by().values_list("person_id", "room_id")
    ]
    if open_stays:  # a refusal: the names for its message
        names = (
            Room.objects.filter(_in("pk", sorted({room_id for _p, room_id in open_stays})))
            .order_by()
            .values_list("pk", "site__name", "number")
        )
        where = {pk: (site_name, number) for pk, site_name, number in names}
        in_room = {person_id: where[room_id] for person_id, room_id in open_stays}
    # Lock the rooms (by id, after the episodes, as _assign does), then count who is in them.
    occupants: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(sorted(rooms)):
        list(Room.objects.select_for_update().filter(_in("pk", chunk)).order_by("pk").values_list("pk", flat=True))
        for room_id, party in (
            RoomStay.objects.filter(_in("room_id", chunk), ended_at__isnull=True).order_by().values_list("room_id", "party")
        ):
            occupants[room_id].append(party)

    accepted: list[tuple[BulkCheckIn, tuple, tuple, str]] = []
    seen: set[int] = set()
    identified, transit, check_in = _("判定时间"), _("转运出发时间"), _("入住时间")  # once, not per row
    for r in rows:
        e, room = episodes.get(r.episode_id), rooms.get(r.room_id)
        if e is None:
            errors.append(RowError(r.row, "episode", _("隔离记录不存在")))
            continue
        if room is None:
            errors.append(RowError(r.row, "room", _("房间不存在")))
            continue
        pk, person_id, status, site_id, party, _kind, _isolate_by, identified_at, transit_at = e
        if pk not in visible and not receives_at(actor, room[1]):  # as common.require_check_in
            errors.append(RowError(r.row, "episode", _("该隔离人员不在您的管辖范围内"), EPISODE_SCOPE))
            continue
        if pk in seen:
            errors.append(RowError(r.row, "episode", _("该隔离记录在本次提交中重复")))
            continue
        seen.add(pk)
        if person_id in in_room:
            site_name, number = in_room[person_id]
            message = _("该人员已在 %(site)s %(room)s 房间隔离，不能重复入住") % {"site": site_name, "room": number}
            errors.append(RowError(r.row, "episode", message, ONE_OPEN_STAY))
            continue
        if EpisodeStatus.CHECKED_IN not in EPISODE_TRANSITIONS[status]:
            message = _("该人员当前为“%(status)s”，不能%(action)s") % {"status": EpisodeStatus(status).label, "action": _("入住")}
            errors.append(RowError(r.row, "episode", message, TRANSITIONS_RULE))
            continue
        room_pk, room_site, number, capacity, room_active = room
        if site_id and site_id != room_site:
            name = IsolationSite.objects.filter(pk=site_id).values_list("name", flat=True).first()
            message = _("该人员已安排至隔离点“%(s)s”，不能在本隔离点入住") % {"s": name}
            errors.append(RowError(r.row, "room", message, SITE_ASSIGNMENT))
            continue
        site_name, site_active = sites[room_site]
        if not site_active:
            errors.append(RowError(r.row, "room", _("隔离点“%(s)s”已停用") % {"s": site_name}))
            continue
        late = [(t, what) for t, what in ((identified_at, identified), (transit_at, transit)) if t is not None and at < t]
        if late:
            message = order_message(at, late[0][0], label=check_in, earlier_label=late[0][1])
            errors.append(RowError(r.row, "at", message, TIME_ORDER))
            continue
        party = r.party[:48] if r.party else party
        if not room_active:
            errors.append(RowError(r.row, "room", _("房间 %(r)s 暂停使用") % {"r": number}))
            continue
        inside = occupants[room_pk]
        if inside and any(p != party for p in inside):
            message = _("房间 %(r)s 已有其他人员入住，非同户（同行）人员不得混住") % {"r": number}
            errors.append(RowError(r.row, "room", message, ROOM_ONE_PARTY))
            continue
        if len(inside) >= capacity:
            message = _("房间 %(r)s 已住满（%(n)s 人）") % {"r": number, "n": capacity}
            errors.append(RowError(r.row, "room", message, ROOM_CAPACITY))
            continue
        inside.append(party)
        in_room[person_id] = (site_name, number)
        accepted.append((r, e, room, party))
    _refuse(errors, "isolation.bulk_check_in")

    # The regimen, once per kind (the same start for everyone in the call).
    regimens = {kind: regimen_for(kind, regimen_plan(kind), at) for kind in sorted({e[5] for _r, e, _room, _p in accepted})}
    actor_id = _user_or_none(actor)
    stay_cols, stay_rest = _layout(RoomStay, ["episode_id", "room_id", "person_id", "party", "started_at", "assigned_by_id"])
    stays = []
    started: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    within = 0
    by_site: Counter = Counter()
    before: Counter = Counter()
    for _r, e, room, party in accepted:
        pk, person_id, status, _site, _party_was, kind, isolate_by, _identified_at, _transit_at = e
        stays.append((pk, room[0], person_id, party, at, actor_id, *stay_rest))
        started[kind].append((pk, room[1], party))
        within += isolate_by is None or at <= isolate_by
        by_site[room[1]] += 1
        before[status] += 1
    with _refused_if_raced(_("其中有人员刚被安排入住，请刷新后重试"), ONE_OPEN_STAY):
        BulkWriter(RoomStay, stay_cols, binary=True).write(stays)
    # The citations, stored once per text (a handful per call), referenced by id from every row.
    cited = RuleCitation.ids_for(text for reg in regimens.values() for text in reg.texts())
    tests = _schedule_tests(regimens, {kind: [pk for pk, _site, _party in items] for kind, items in started.items()}, cited)
    _start_regimens(regimens, started, at, cited)
    transaction.on_commit(lambda: analyze_if_grown(RoomStay, ScheduledTest, IsolationEpisode))

    first = next(iter(regimens.values()))
    audit_record(
        actor=actor,
        event_type=events.CHECKED_IN,
        object_type=IsolationEpisode._meta.label_lower,
        object_repr=_("批量入住 %(n)s 人") % {"n": len(accepted)},
        count=len(accepted),
        before={"status": dict(before)},
        after={
            "status": EpisodeStatus.CHECKED_IN,
            "at": at,
            "by_site": dict(sorted(by_site.items())),
            "rooms": len({room[0] for _r, _e, room, _p in accepted}),
            "tests": tests,
            "profile": first.plan.profile,
            "day_one": regimen_day(at, 1, convention=first.plan.convention),
            "central_until": first.central_until,
            "home_until": first.home_until,
            "within_deadline": within,
            "late": len(accepted) - within,
            "episodes": [e[0] for _r, e, _room, _p in accepted],
        },
    )
    return BulkCheckInReport(checked_in=len(accepted), tests_scheduled=tests, within_deadline=within, by_site=dict(by_site))
