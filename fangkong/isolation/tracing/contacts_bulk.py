"""Set-based 流调, thousands of contacts per call: the rules of `contact_add`, checked in sets,
written with fangkong.core.bulk.

- `contacts_add_bulk`: close contacts of cases (a tracing team's list, a big-data push), each
  isolated the same day as `contact_add` does it: a new contact gets a contact record, an exposure
  and an isolation episode due by the policy's deadline (`contact.isolation_deadline`); a person
  who is already a contact in isolation gets one more exposure; a person isolated for another
  reason keeps that episode.

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

A refusal about a person's own situation (an active case, isolated before the exposure, a secondary
contact) describes it only to a tracer who may see the person; about anyone else it is the single
path's neutral refusal (services.about_person, CONTACT_ELSEWHERE), and in a refused list each such
row counts as a search by full number of the number it gave, after the rollback (as the numbers the
list's parser found unregistered: fangkong.geo.lookup.counting_refused_numbers, where=BULK_WHERE).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.cases.choices import CaseStatus
from fangkong.cases.lookups import CaseFacts, active_cases_of, case_facts, visible_case_ids
from fangkong.core.bulk import BulkWriter, analyze_if_grown, layout, refused_if_raced, reserve_ids, user_id_or_none
from fangkong.core.clock import NOT_IN_FUTURE, aware, future_message, is_future, not_in_future, now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.rows import RowError, RowsRefused, refuse_rows
from fangkong.core.sql import any_of, chunks
from fangkong.geo.lookup import NumbersToCount, counting_refused_numbers
from fangkong.geo.models import Community, Person
from fangkong.policy.models import RuleCitation
from fangkong.policy.regimen import deadline_after
from fangkong.policy.rules import rule

from .. import events
from ..choices import EPISODE_OPEN, ContactKind, EpisodeKind, EpisodeStatus, ExposureType
from ..models import Contact, ContactLink, IsolationEpisode
from ..permissions import IsolationCap
from ..services.common import who
from ..services.episodes import DEADLINE_KEY, ONE_OPEN_EPISODE
from .services import (
    CASE_SCOPE,
    CASE_WITHDRAWN,
    CONTACT_ELSEWHERE,
    CONTACT_IS_CASE,
    DUPLICATE_LINK,
    EXPOSURE_BEFORE_IDENTIFICATION,
    EXPOSURE_BEFORE_ISOLATION,
    NOT_SELF,
    IsolatedSince,
    _fmt,
    about_person,
    after_isolation,
    cases_isolated_since,
)

SINGLE_PATH = "tracing.bulk_single_path"
BULK_WHERE = "isolation.contacts_bulk"  # the number searches a refused list counts


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
    id_number: str = ""  # the full number the row gave the person by (counted if a refusal answers about it)


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


def _party(person: _Person) -> str:
    """episodes.default_party for a person read as a row."""
    return f"household:{person.household_id}" if person.household_id else f"person:{person.id}"


@counting_refused_numbers(BULK_WHERE)
@transaction.atomic
def contacts_add_bulk(*, actor: Any, rows: Sequence[BulkContact | dict], identified_at: dt.datetime | None = None) -> BulkContactsReport:
    """Record many close contacts of cases and isolate them the same day, as `contact_add` does one.

    Refused rows (nothing written): an exposure after the identification or after the case (or the
    contact) was isolated, a withdrawn case, a case the user does not see, a person as their own
    contact, the same exposure twice, a person who is an active case, a person without an address
    and no community given; secondary contacts go through `contact_add`. About a person the user
    may not see, a refusal of their own situation is neutral, and counted as a search by the row's
    number once the transaction has rolled back."""
    require(actor, IsolationCap.TRACE)
    at = aware(identified_at)
    not_in_future(at, field="identified_at", label=_("判定时间"))
    rows = [r if isinstance(r, BulkContact) else BulkContact(**r) for r in rows]
    if not rows:
        raise DomainError(_("请至少提交一条密接"), field="rows")
    _check_format(rows, at)
    cases, since_by_case = _cases_of(actor, rows)
    known = _known_of(rows)
    accepted = _accept_rows(actor, rows, cases, since_by_case, known)
    written = _write(actor, accepted, known.communities, at)
    new_contacts, to_open = written.new_contacts, written.to_open
    report = BulkContactsReport(
        contacts_added=len(new_contacts),
        exposures_added=written.exposures,
        episodes_opened=len(to_open),
        isolated_already=len(new_contacts) - len(to_open),
        linked_existing=sum(1 for _r, _p, c in accepted if not c.new),
        contact_of={p.id: c.id for _r, p, c in accepted},
        episode_of={p.id: c.episode_id for _r, p, c in accepted},
    )
    _audit(actor, accepted, written, at)
    return report


@dataclass
class _Known:
    """What the rows' people already are: registry row, active case, contact record in force, open
    episode, exposures already recorded; and the communities the rows name."""

    people: dict[int, _Person]
    active_case: dict[int, int]
    current: dict[int, _Current]
    open_episode: dict[int, tuple[int, str]]
    linked: set[tuple[int, int]]
    communities: dict[int, tuple]


@dataclass
class _Written:
    new_contacts: list[tuple[BulkContact, _Person, _Current]]
    to_open: list[tuple[BulkContact, _Person, _Current]]
    episode_ids: list[int]
    contact_ids: list[int]
    exposures: int
    isolate_by: dt.datetime
    citation: str


def _check_format(rows: list[BulkContact], at: dt.datetime) -> None:
    """Each row on its own: an aware exposure time not in the future nor after the identification,
    a kind of exposure, a place."""
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
    refuse_rows(errors, "tracing.bulk_format")


def _cases_of(actor: Any, rows: list[BulkContact]) -> tuple[dict[int, CaseFacts], dict[int, IsolatedSince]]:
    """The rows' cases (all seen by the user, or the whole request is refused) and when each was isolated."""
    # The cases: seen by the user, not withdrawn, and when each was isolated.
    case_ids = sorted({r.case_id for r in rows})
    visible = visible_case_ids(actor, case_ids)
    cases = case_facts(case_ids)
    hidden = [pk for pk in case_ids if pk not in visible]
    if hidden:
        raise PermissionRefused(_("病例 %(ids)s 不在您的管辖范围内") % {"ids": "、".join(f"#{pk}" for pk in hidden[:10])}, rule=CASE_SCOPE)
    return cases, cases_isolated_since(cases)


def _known_of(rows: list[BulkContact]) -> _Known:
    # The people, locked in id order (as contact_add locks one), then what they already are.
    person_ids = sorted({r.person_id for r in rows})
    people: dict[int, _Person] = {}
    for chunk in chunks(person_ids):
        for p in (
            Person.objects.select_for_update()
            .filter(any_of("pk", chunk))
            .order_by("pk")
            .values_list("pk", "name", "household_id", "district_id", "street_id", "community_id", "grid_id")
        ):
            people[p[0]] = _Person(*p)
    active_case: dict[int, int] = {}
    current: dict[int, _Current] = {}
    open_episode: dict[int, tuple[int, str]] = {}
    checked_in: dict[int, dt.datetime | None] = {}  # open episode → check-in time
    linked: set[tuple[int, int]] = set()  # (contact, case) already recorded
    active_case.update(active_cases_of(people))
    for chunk in chunks(sorted(people)):
        # The open episodes (one per person at most), locked after the people, as contact_add does.
        for pk, person_id, kind, checked_in_at in (
            IsolationEpisode.objects.select_for_update()
            .filter(any_of("person_id", chunk), status__in=EPISODE_OPEN)
            .order_by("pk")
            .values_list("pk", "person_id", "kind", "checked_in_at")
        ):
            open_episode[person_id] = (pk, kind)
            checked_in[pk] = checked_in_at
    # The contact records in force: those of the open episodes (one each at most). Read by episode,
    # not joined to the episodes by person: that join hashes the whole episode table every call.
    for chunk in chunks(sorted(checked_in)):
        for pk, person_id, kind, episode_id in (
            Contact.objects.filter(any_of("episode_id", chunk)).order_by().values_list("pk", "person_id", "kind", "episode_id")
        ):
            current[person_id] = _Current(pk, kind, episode_id, checked_in[episode_id])
    existing_ids = [c.id for c in current.values()]
    for chunk in chunks(existing_ids):
        linked.update(
            ContactLink.objects.filter(any_of("contact_id", chunk), via__isnull=True).order_by().values_list("contact_id", "case_id")
        )
    communities = {
        c[0]: c
        for chunk in chunks(sorted({r.community_id for r in rows if r.community_id}))
        for c in Community.objects.filter(any_of("pk", chunk)).order_by().values_list("pk", "district_id", "street_id")
    }
    return _Known(people, active_case, current, open_episode, linked, communities)


def _accept_rows(
    actor: Any, rows: list[BulkContact], cases: dict[int, CaseFacts], since_by_case: dict[int, IsolatedSince], known: _Known
) -> list[tuple[BulkContact, _Person, _Current]]:
    """The rows in order, as the single path would take them one after another; refused rows named.
    A refusal of a person's own situation goes through services.about_person (neutral about people
    the user may not see); a list refused with such rows counts their numbers as searches."""
    people, active_case, current, open_episode, linked = known.people, known.active_case, known.current, known.open_episode, known.linked
    communities = known.communities
    errors: list[RowError] = []
    # Row by row, in order, as the single path would take them one after another. A person the tracer
    # may not see (they hold the number: a contact from another district) is not described.
    the_case, this_person = _("病例"), _("该人员")

    def about(r: BulkContact, p: _Person, message: str, rule: str, field: str = "person") -> None:
        message, field, rule = about_person(actor, p, message, rule, field=field, bulk=True)
        errors.append(RowError(r.row, field, message, rule))

    accepted: list[tuple[BulkContact, _Person, _Current]] = []
    new_key = -1  # new contacts get negative keys until their ids are reserved
    for r in rows:
        p = people.get(r.person_id)
        case = cases.get(r.case_id)
        if p is None:
            errors.append(RowError(r.row, "person", _("人员不存在")))
            continue
        person_id, status = case.person_id, case.status
        if status == CaseStatus.WITHDRAWN:
            errors.append(RowError(r.row, "case", _("病例 #%(n)s 已撤销，不能登记密接") % {"n": r.case_id}, CASE_WITHDRAWN))
            continue
        if p.id == person_id:
            errors.append(RowError(r.row, "person", _("不能把病例本人登记为自己的密接"), NOT_SELF))
            continue
        message = after_isolation(r.last_exposure_at, since_by_case.get(r.case_id), whom=the_case)
        if message:
            errors.append(RowError(r.row, "last_exposure_at", message, EXPOSURE_BEFORE_ISOLATION))
            continue
        if p.id in active_case:
            about(r, p, _("%(p)s 已是在管病例 #%(n)s，不再登记为密接") % {"p": p.name, "n": active_case[p.id]}, CONTACT_IS_CASE)
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
                about(r, p, _("该人员正在次密接居家隔离，改判为密接请逐个登记"), SINGLE_PATH)
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
                since = IsolatedSince(c.checked_in_at, _("入住集中隔离点")) if c.checked_in_at else None
                message = after_isolation(r.last_exposure_at, since, whom=this_person)
                if message:
                    about(r, p, message, EXPOSURE_BEFORE_ISOLATION, "last_exposure_at")
                    continue
                if c.kind == ContactKind.SECONDARY_CONTACT:
                    about(r, p, _("该人员现为次密接，改判为密接请逐个登记"), SINGLE_PATH)
                    continue
        linked.add((c.id, r.case_id))
        accepted.append((r, p, c))
    try:
        refuse_rows(errors, "tracing.bulk")
    except RowsRefused as refused:
        elsewhere = {e.row for e in errors if e.rule == CONTACT_ELSEWHERE}
        numbers = [r.id_number for r in rows if r.row in elsewhere and r.id_number]
        if numbers:
            raise NumbersToCount(refused, numbers) from None
        raise
    return accepted


def _write(actor: Any, accepted: list[tuple[BulkContact, _Person, _Current]], communities: dict[int, tuple], at: dt.datetime) -> _Written:
    """The new episodes, the new contacts (pointing at them), every exposure: binary COPY, ids reserved."""
    # Write: the new episodes, the new contacts (pointing at them), every exposure.
    written_at = now()
    actor_id = user_id_or_none(actor)
    deadline = rule(DEADLINE_KEY[EpisodeKind.CLOSE_CONTACT])
    isolate_by = deadline_after(deadline.value, at)
    new_contacts = [(r, p, c) for r, p, c in accepted if c.new and c.row is r]
    to_open = [(r, p, c) for r, p, c in new_contacts if c.episode_id is None]
    episode_ids = reserve_ids(IsolationEpisode, len(to_open))
    episode_cols, episode_rest = layout(
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
    contact_cols, contact_rest = layout(
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
    link_cols, link_rest = layout(
        ContactLink, ["contact_id", "case_id", "exposure", "place", "last_exposure_at", "note", "created_at", "created_by_id"]
    )
    link_rows = [
        (c.id, r.case_id, r.exposure, r.place[:200], r.last_exposure_at, r.note.strip()[:200], at, actor_id, *link_rest)
        for r, _p, c in accepted
    ]
    with refused_if_raced(_("其中有人员刚被登记隔离，请刷新后重试"), ONE_OPEN_EPISODE):
        BulkWriter(IsolationEpisode, episode_cols, binary=True).write(episode_rows)
    with refused_if_raced(_("该接触已登记"), DUPLICATE_LINK):
        BulkWriter(Contact, contact_cols, binary=True).write(contact_rows)
        BulkWriter(ContactLink, link_cols, binary=True).write(link_rows)
    # The tables grow from nothing to hundreds of thousands of rows in minutes, faster than autovacuum
    # re-samples them: plans made from the old statistics go wrong (fangkong.core.bulk.analyze_if_grown).
    transaction.on_commit(lambda: analyze_if_grown(IsolationEpisode, Contact, ContactLink))
    return _Written(new_contacts, to_open, episode_ids, contact_ids, len(link_rows), isolate_by, deadline.citation)


def _audit(actor: Any, accepted: list[tuple[BulkContact, _Person, _Current]], written: _Written, at: dt.datetime) -> None:
    """One event per kind of change, with counts and ids (not one per row)."""
    new_contacts, to_open, episode_ids, contact_ids = written.new_contacts, written.to_open, written.episode_ids, written.contact_ids
    isolate_by, exposures = written.isolate_by, written.exposures
    linked_existing = sum(1 for _r, _p, c in accepted if not c.new)
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
                "rule": written.citation,
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
                "exposures": exposures,
                "episodes_opened": len(to_open),
                "isolated_already": len(new_contacts) - len(to_open),
                "isolate_by": isolate_by,
                "rule": written.citation,
                "contacts": contact_ids,
            },
        )
    if linked_existing:
        existing = sorted({c.id for _r, _p, c in accepted if not c.new})
        audit_record(
            actor=actor,
            event_type=events.CONTACT_LINKED,
            object_type=Contact._meta.label_lower,
            object_repr=_("批量关联病例 %(n)s 条") % {"n": linked_existing},
            count=linked_existing,
            after={"contacts": existing, "cases": sorted({r.case_id for r, _p, c in accepted if not c.new})},
        )
