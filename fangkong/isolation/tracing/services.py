"""流调: the contacts of a case, their exposures, and their isolation the same day.

`contact_add` records one exposure: a person (found in the registry by full ID number, or registered
new through fangkong.geo.services.person_create by `contact_add_new_person`) was exposed to a case —
a close contact (密接) — or to a close contact — a secondary contact (次密接), only where the active
policy traces them (`secondary_contact.traced`). A contact linked to several cases gets one exposure
row per case on one contact record. Every new contact gets an isolation episode at once, with the
deadline the policy sets (`contact.isolation_deadline`: same day → the next Beijing midnight); a
secondary contact is isolated at home from identification.

Refusals, each naming its rule: an exposure after the case (or the close contact) was isolated or
admitted, a person as their own contact, the same exposure twice, a contact who is already an active
case, a secondary contact where the policy does not trace them, a contact of a secondary contact.

A refusal about the person's own situation (an active case, isolated before the exposure, a
secondary contact) describes it only to a tracer who may see the person (their places). The tracer
holds the full number of a contact who may live anywhere; about anyone else every such refusal is
the same neutral one (CONTACT_ELSEWHERE, `about_person`), for one contact (`contact_add_by_number`)
and for a list (contacts_bulk) alike, and counts as a search by full number, as does a number that
is not registered: a list of candidate numbers with one row bound to fail is no unlimited oracle of
who is registered, a case or isolated (docs/security.md §2.12).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.cases.choices import CaseStatus
from fangkong.cases.lookups import CaseFacts, active_case_of, case_facts, first_pick_ups, visible_case
from fangkong.core.clock import aware, not_in_future
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.core.permissions import require
from fangkong.core.sql import any_of, chunks
from fangkong.geo.lookup import NumbersToCount, counting_refused_numbers, registered_person
from fangkong.geo.models import Community, Person
from fangkong.geo.services import person_create
from fangkong.policy.regimen import LOCAL_TZ

from .. import events
from ..choices import EPISODE_OPEN, ContactKind, EpisodeKind, EpisodeStatus, ExposureType
from ..models import Contact, ContactLink, IsolationEpisode
from ..permissions import IsolationCap
from ..services.common import end_episode, lock_episode, sees, who
from ..services.episodes import open_episode, secondary_not_traced

if TYPE_CHECKING:  # 快转's model names the type; its rows are read through cases.lookups
    from fangkong.cases.models import Case

NOT_SELF = "tracing.not_self"
DUPLICATE_LINK = "tracing.duplicate_link"
EXPOSURE_BEFORE_ISOLATION = "tracing.exposure_before_isolation"
EXPOSURE_BEFORE_IDENTIFICATION = "tracing.exposure_before_identification"
CONTACT_IS_CASE = "tracing.contact_is_case"
CASE_WITHDRAWN = "tracing.case_withdrawn"
SECONDARY_VIA_CLOSE = "tracing.secondary_via_close_contact"
CASE_SCOPE = "tracing.case_scope"
CONTACT_SCOPE = "tracing.contact_scope"
PERSON_IN_REGISTRY = "tracing.person_in_registry"
CONTACT_ELSEWHERE = "tracing.contact_elsewhere"
# The refusals that answer about a number a tracer typed or uploaded: counted as searches by full number.
COUNTED_REFUSALS = frozenset({PERSON_IN_REGISTRY, CONTACT_ELSEWHERE})


def _fmt(when: dt.datetime) -> str:
    return when.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class IsolatedSince:
    """When someone stopped meeting people: taken into central isolation, picked up or admitted."""

    at: dt.datetime
    what: str


def cases_isolated_since(cases: dict[int, CaseFacts]) -> dict[int, IsolatedSince]:
    """When each case stopped meeting people, for many cases at once: the earliest of check-in at the
    isolation site where the case was found (a central-phase positive), pick-up by a transfer, first
    admission. Cases with none of these are left out."""
    found: dict[int, list[IsolatedSince]] = defaultdict(list)
    for chunk in chunks(sorted(cases)):
        episodes = IsolationEpisode.objects.filter(any_of("case_id", chunk), checked_in_at__isnull=False, released_at__isnull=True)
        for case_id, t in episodes.order_by().values("case_id").annotate(t=Min("checked_in_at")).values_list("case_id", "t"):
            found[case_id].append(IsolatedSince(t, _("入住集中隔离点")))
    for case_id, t in first_pick_ups(cases).items():
        found[case_id].append(IsolatedSince(t, _("转运接到")))
    for case_id, facts in cases.items():
        if facts.first_admitted_at is not None:
            found[case_id].append(IsolatedSince(facts.first_admitted_at, _("入院收治")))
    return {case_id: min(v, key=lambda f: f.at) for case_id, v in found.items() if v}


def case_isolated_since(case: Case) -> IsolatedSince | None:
    """`cases_isolated_since` for one case."""
    return cases_isolated_since(case_facts([case.pk])).get(case.pk)


def contact_isolated_since(contact: Contact) -> IsolatedSince | None:
    """A contact stops meeting people at check-in (central isolation)."""
    episode = contact.episode
    if episode is not None and episode.checked_in_at is not None:
        return IsolatedSince(episode.checked_in_at, _("入住集中隔离点"))
    return None


def after_isolation(last_exposure_at: dt.datetime, since: IsolatedSince | None, *, whom: str) -> str | None:
    """The refusal of an exposure after `whom` stopped meeting people, or None."""
    if since is not None and last_exposure_at > since.at:
        return _("末次接触时间 %(t)s 晚于%(whom)s%(what)s的时间 %(s)s，此后不可能接触") % {
            "t": _fmt(last_exposure_at),
            "whom": whom,
            "what": since.what,
            "s": _fmt(since.at),
        }
    return None


def _refuse_after_isolation(last_exposure_at: dt.datetime, since: IsolatedSince | None, *, whom: str) -> None:
    message = after_isolation(last_exposure_at, since, whom=whom)
    if message:
        raise DomainError(message, field="last_exposure_at", rule=EXPOSURE_BEFORE_ISOLATION)


def about_person(actor: Any, person: Any, message: str, rule: str, *, field: str = "person", bulk: bool = False) -> tuple[str, str, str]:
    """A refusal about the person's own situation — an active case, isolated before the exposure, a
    secondary contact — as (message, field, rule): in full to a tracer who may see the person (their
    places); to anyone else one neutral refusal whatever the reason (CONTACT_ELSEWHERE, on `person`),
    which the callers count as a search by full number (`contact_add_by_number`, contacts_bulk)."""
    if sees(actor, person):
        return message, field, rule
    if bulk:
        return _("该人员不能在名单中批量登记，请逐个登记或联系其所在辖区核实"), "person", CONTACT_ELSEWHERE
    return _("该人员不能登记为密接，请联系其所在辖区核实"), "person", CONTACT_ELSEWHERE


def current_contact(person: Person) -> Contact | None:
    """The person's contact record still in force: its isolation episode has not ended."""
    return (
        Contact.objects.select_related("episode")
        .filter(person=person, episode__status__in=EPISODE_OPEN)
        .order_by("-identified_at", "-id")
        .first()
    )


def _places(person: Person, community: Community | None) -> dict[str, int | None]:
    if person.community_id or community is None:
        return {f"{k}_id": getattr(person, f"{k}_id") for k in ("district", "street", "community", "grid", "household")}
    return {
        "district_id": community.district_id,
        "street_id": community.street_id,
        "community_id": community.pk,
        "grid_id": None,
        "household_id": None,
    }


def _source_text(case: Case, via: Contact | None) -> str:
    if via is not None:
        return _("流调：病例 #%(c)s 的密接 %(n)s 的次密接") % {"c": case.pk, "n": via.person.name}
    return _("流调：病例 #%(c)s 的密接") % {"c": case.pk}


def _cancel_home_episode(*, actor: Any, episode: IsolationEpisode, at: dt.datetime) -> None:
    """End a secondary contact's home isolation: they are a close contact now, isolated centrally."""
    episode = lock_episode(episode)
    was = end_episode(episode, to=EpisodeStatus.CANCELLED, at=at, reason=_("次密接改判为密接，转集中隔离"), action=_("改判"))
    episode.save(update_fields=["status", "ended_at", "end_reason", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.EPISODE_CANCELLED,
        obj=episode,
        before={"status": was},
        after={"status": episode.status},
        reason=episode.end_reason,
    )


def _isolate(*, actor: Any, contact: Contact, at: dt.datetime, community: Community | None, source: str) -> IsolationEpisode:
    """The episode the contact is isolated under: their open one (isolated already for another
    reason), or a new one from policy. A close contact is not left in a secondary contact's home
    isolation: that ends, and central isolation is due the same day."""
    person = contact.person
    existing = IsolationEpisode.objects.select_for_update().filter(person=person, status__in=EPISODE_OPEN).first()
    if existing is not None and not (contact.kind == ContactKind.CLOSE_CONTACT and existing.kind == EpisodeKind.SECONDARY_CONTACT):
        return existing
    if existing is not None:
        _cancel_home_episode(actor=actor, episode=existing, at=at)
    destination = community if not person.community_id else None
    return open_episode(actor=actor, person=person, kind=contact.kind, at=at, source=source, destination=destination)


def _upgrade(*, actor: Any, contact: Contact, at: dt.datetime, source: str, community: Community | None) -> None:
    """A secondary contact found to be a close contact of a case."""
    before = {"kind": contact.kind, "episode": contact.episode_id}
    contact.kind = ContactKind.CLOSE_CONTACT
    old = contact.episode
    contact.episode = None
    contact.save(update_fields=["kind", "episode", "updated_at"])  # frees the one-to-one for a new episode
    if old is not None and old.status in EPISODE_OPEN and old.kind != EpisodeKind.SECONDARY_CONTACT:
        contact.episode = old  # isolated centrally already (for another reason): stays
    else:
        contact.episode = _isolate(actor=actor, contact=contact, at=at, community=community, source=source)
    contact.save(update_fields=["episode", "updated_at"])
    audit_record(
        actor=actor,
        event_type=events.CONTACT_UPGRADED,
        obj=contact,
        before=before,
        after={"kind": contact.kind, "episode": contact.episode_id, "isolate_by": contact.episode.isolate_by},
    )


@transaction.atomic
def contact_add(
    *,
    actor: Any,
    person: Person,
    exposure: str,
    place: str,
    last_exposure_at: dt.datetime,
    case: Case | None = None,
    via: Contact | None = None,
    identified_at: dt.datetime | None = None,
    community: Community | None = None,
    note: str = "",
) -> ContactLink:
    """Record that `person` was exposed to `case` (a close contact) or to the close contact `via`
    (a secondary contact), and isolate them: a new contact gets an isolation episode at once, due the
    same day (contact.isolation_deadline). A person already a contact in isolation gets one more
    exposure; a secondary contact exposed to a case becomes a close contact and goes to central
    isolation. `community`: where a person with no registry address lives. Returns the exposure."""
    require(actor, IsolationCap.TRACE)
    if (case is None) == (via is None):
        raise DomainError(_("请指定关联病例或经由的密接（二者选一）"), field="case")
    at = aware(identified_at)
    not_in_future(at, field="identified_at", label=_("判定时间"))
    last_exposure_at = aware(last_exposure_at)
    place = _check_exposure(at, last_exposure_at, exposure, place)
    case, via, kind = _exposed_to(actor, person, case, via, last_exposure_at)
    person = _lock_person(actor, person, community)
    source = _source_text(case, via)
    contact, created = _contact_for(actor, person, kind, case, via, at, last_exposure_at, community, source, note)
    link = _link(actor, contact, case, via, exposure, place, last_exposure_at, at, note)
    episode = contact.episode
    audit_record(
        actor=actor,
        event_type=events.CONTACT_ADDED if created else events.CONTACT_LINKED,
        obj=contact,
        after={
            "person": person.pk,
            "id": person.id_masked,
            "kind": contact.kind,
            "case": case.pk,
            "via": via.pk if via else None,
            "exposure": exposure,
            "place": place,
            "last_exposure_at": last_exposure_at,
            "episode": episode.pk if episode else None,
            "episode_status": episode.status if episode else None,
            "isolate_by": episode.isolate_by if episode else None,
            "rule": episode.isolate_by_rule if episode else "",
            "link": link.pk,
        },
    )
    return link


def _check_exposure(at: dt.datetime, last_exposure_at: dt.datetime, exposure: str, place: str) -> str:
    """The exposure on its own: not in the future nor after the identification, a kind, a place (returned stripped)."""
    last_exposure_at = aware(last_exposure_at)
    not_in_future(last_exposure_at, field="last_exposure_at", label=_("末次接触时间"))
    if last_exposure_at > at:
        raise DomainError(
            _("末次接触时间 %(t)s 晚于判定时间 %(s)s") % {"t": _fmt(last_exposure_at), "s": _fmt(at)},
            field="last_exposure_at",
            rule=EXPOSURE_BEFORE_IDENTIFICATION,
        )
    if exposure not in ExposureType.values:
        raise DomainError(_("请选择接触方式"), field="exposure")
    place = (place or "").strip()
    if not place:
        raise DomainError(_("请填写接触地点"), field="place")
    return place


def _exposed_to(
    actor: Any, person: Person, case: Case | None, via: Contact | None, last_exposure_at: dt.datetime
) -> tuple[Case, Contact | None, str]:
    """To whom: a case the user sees (a close contact), or a close contact the user sees (a secondary
    contact, if the policy traces them; the case is the close contact's first); the exposure before
    they were isolated; not the person themself."""
    if via is not None:
        if (refusal := secondary_not_traced()) is not None:
            raise refusal
        if not Contact.objects.visible_to(actor).filter(pk=via.pk).exists():
            raise PermissionRefused(_("该密接不在您的管辖范围内"), rule=CONTACT_SCOPE)
        via = Contact.objects.select_related("person", "episode").get(pk=via.pk)
        if via.kind != ContactKind.CLOSE_CONTACT:
            raise DomainError(_("只追踪密接的接触者（次密接），不追踪次密接的接触者"), rule=SECONDARY_VIA_CLOSE)
        first = via.links.filter(via__isnull=True).select_related("case").order_by("created_at", "id").first()
        if first is None:  # not reachable through the services: a close contact has a case
            raise DomainError(_("该密接没有关联病例"), rule=SECONDARY_VIA_CLOSE)
        case = first.case
        kind = ContactKind.SECONDARY_CONTACT
        if person.pk in (via.person_id, case.person_id):
            raise DomainError(_("不能把密接或病例本人登记为其次密接"), field="person", rule=NOT_SELF)
        _refuse_after_isolation(last_exposure_at, contact_isolated_since(via), whom=_("该密接"))
    else:
        seen = visible_case(actor, case.pk)
        if seen is None:
            raise PermissionRefused(_("该病例不在您的管辖范围内"), rule=CASE_SCOPE)
        case = seen
        kind = ContactKind.CLOSE_CONTACT
        if case.status == CaseStatus.WITHDRAWN:
            raise DomainError(_("病例 #%(n)s 已撤销，不能登记密接") % {"n": case.pk}, rule=CASE_WITHDRAWN)
        if person.pk == case.person_id:
            raise DomainError(_("不能把病例本人登记为自己的密接"), field="person", rule=NOT_SELF)
        _refuse_after_isolation(last_exposure_at, case_isolated_since(case), whom=_("病例"))
    return case, via, kind


def _lock_person(actor: Any, person: Person, community: Community | None) -> Person:
    """The person locked (one tracer at a time per person): not an active case, and with an address."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    active = active_case_of(person)
    if active is not None:
        message = _("%(p)s 已是在管病例 #%(n)s，不再登记为密接") % {"p": person.name, "n": active.pk}
        message, field, rule = about_person(actor, person, message, CONTACT_IS_CASE)
        raise DomainError(message, field=field, rule=rule)
    if not person.community_id and community is None:
        raise DomainError(_("该人员在人口库中没有住址，请选择现住社区"), field="community")
    return person


def _contact_for(
    actor: Any,
    person: Person,
    kind: str,
    case: Case,
    via: Contact | None,
    at: dt.datetime,
    last_exposure_at: dt.datetime,
    community: Community | None,
    source: str,
    note: str,
) -> tuple[Contact, bool]:
    """The person's contact record in force, or a new one isolated at once; a secondary contact
    exposed to a case is upgraded. Returns it and whether it is new."""
    contact = current_contact(person)
    created = contact is None
    if contact is None:
        contact = Contact.objects.create(
            person=person,
            kind=kind,
            identified_at=at,
            identified_by=actor if getattr(actor, "is_authenticated", False) else None,
            note=(note or "").strip()[:200],
            **_places(person, community),
        )
        contact.episode = _isolate(actor=actor, contact=contact, at=at, community=community, source=source)
        contact.save(update_fields=["episode", "updated_at"])
    else:
        duplicate = ContactLink.objects.filter(contact=contact)
        duplicate = duplicate.filter(via=via) if via is not None else duplicate.filter(case=case, via__isnull=True)
        if duplicate.exists():
            raise DomainError(
                _("%(p)s 与该%(whom)s的接触已登记") % {"p": who(actor, person), "whom": _("密接") if via else _("病例")},
                rule=DUPLICATE_LINK,
            )
        if via is not None and contact.pk == via.pk:
            raise DomainError(_("不能把密接本人登记为其次密接"), field="person", rule=NOT_SELF)
        message = after_isolation(last_exposure_at, contact_isolated_since(contact), whom=_("该人员"))
        if message:
            message, field, rule = about_person(actor, person, message, EXPOSURE_BEFORE_ISOLATION, field="last_exposure_at")
            raise DomainError(message, field=field, rule=rule)
        if kind == ContactKind.CLOSE_CONTACT and contact.kind == ContactKind.SECONDARY_CONTACT:
            _upgrade(actor=actor, contact=contact, at=at, source=source, community=community)
    return contact, created


def _link(
    actor: Any,
    contact: Contact,
    case: Case,
    via: Contact | None,
    exposure: str,
    place: str,
    last_exposure_at: dt.datetime,
    at: dt.datetime,
    note: str,
) -> ContactLink:
    """The exposure itself (unique per contact and case or via: a second desk's same record is refused)."""
    try:
        with transaction.atomic():
            link = ContactLink.objects.create(
                contact=contact,
                case=case,
                via=via,
                exposure=exposure,
                place=place[:200],
                last_exposure_at=last_exposure_at,
                note=(note or "").strip()[:200],
                created_at=at,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:  # the same exposure recorded a moment ago at another desk
        raise DomainError(_("该接触已登记"), rule=DUPLICATE_LINK) from exc
    return link


@transaction.atomic
def contact_add_new_person(
    *,
    actor: Any,
    name: str,
    id_type: str,
    id_number: str,
    community: Community,
    exposure: str,
    place: str,
    last_exposure_at: dt.datetime,
    case: Case | None = None,
    via: Contact | None = None,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
    identified_at: dt.datetime | None = None,
    note: str = "",
) -> ContactLink:
    """A contact not yet in the registry: registered (geo person_create, audited) without a
    household, living in `community`, then recorded and isolated as `contact_add` does."""
    require(actor, IsolationCap.TRACE)
    if community is None:
        raise DomainError(_("请选择现住社区"), field="community")
    person = person_create(
        actor=actor, household=None, name=name, id_type=id_type, id_number=id_number, sex=sex, birth_date=birth_date, phone=phone
    )
    return contact_add(
        actor=actor,
        person=person,
        exposure=exposure,
        place=place,
        last_exposure_at=last_exposure_at,
        case=case,
        via=via,
        identified_at=identified_at,
        community=community,
        note=note,
    )


@counting_refused_numbers("isolation.contact_add")
def contact_add_by_number(
    *,
    actor: Any,
    id_number: str,
    exposure: str,
    place: str,
    last_exposure_at: dt.datetime,
    case: Case | None = None,
    via: Contact | None = None,
    identified_at: dt.datetime | None = None,
    community: Community | None = None,
    note: str = "",
    new_person: dict[str, Any] | None = None,
) -> ContactLink:
    """One contact as the 流调 page and the API record them: by full document number, whoever they
    are (the tracer holds the number: a contact may live in another district; `contact_add`), or, not
    registered yet, registered new from `new_person` (name, id_type, sex, phone, birth_date:
    `contact_add_new_person`). A refusal that answers about the number — any refusal of a number
    that is not registered (PERSON_IN_REGISTRY, or the new person's form), or the neutral refusal
    about someone outside the tracer's places (CONTACT_ELSEWHERE) — counts as a search by full number
    once nothing was written; past the limit it is refused as too many searches
    (fangkong.geo.services.SearchLimited). A contact recorded counts nothing."""
    common: dict[str, Any] = {
        "actor": actor,
        "exposure": exposure,
        "place": place,
        "last_exposure_at": last_exposure_at,
        "case": case,
        "via": via,
        "identified_at": identified_at,
        "community": community,
        "note": note,
    }
    person = registered_person(id_number)
    try:
        if person is not None:
            return contact_add(person=person, **common)
        if new_person is None:
            raise DomainError(_("人口库中没有该证件号码"), field="id_number", rule=PERSON_IN_REGISTRY)
        return contact_add_new_person(id_number=id_number, **new_person, **common)
    except DomainError as exc:
        if person is None or exc.rule in COUNTED_REFUSALS:
            raise NumbersToCount(exc, [id_number]) from None
        raise


def contact_turned_case(*, episode: IsolationEpisode, case: Case) -> Contact | None:
    """Receives hooks.EPISODE_TURNED_POSITIVE: the contact isolated under `episode` became `case`."""
    contact = Contact.objects.select_for_update().filter(episode=episode).first()
    if contact is None or contact.case_id == case.pk:
        return contact
    contact.case = case
    contact.save(update_fields=["case", "updated_at"])
    audit_record(
        actor="system",
        event_type=events.CONTACT_TURNED_CASE,
        obj=contact,
        after={"case": case.pk, "episode": episode.pk, "kind": contact.kind, "found_in": case.found_in},
    )
    return contact


def contact_case_withdrawn(*, case: Case, actor: Any, at: dt.datetime, reason: str) -> list[Contact]:
    """Receives cases.hooks.CASE_WITHDRAWN: a contact whose isolation ended because they turned
    positive, and whose case was withdrawn (the result was wrong), is a contact again — isolated
    anew the same day (a new episode awaiting transfer, due by the policy's deadline), never left
    with no isolation at all."""
    back = []
    for contact in Contact.objects.select_for_update(of=("self",)).filter(case=case).select_related("episode", "person"):
        old = contact.episode
        if old is None or old.status != EpisodeStatus.TURNED_POSITIVE:
            continue
        episode = open_episode(
            actor=actor,
            person=contact.person,
            kind=old.kind,
            at=at,
            source=_("病例 #%(n)s 撤销（%(r)s），恢复隔离；原隔离记录 #%(e)s") % {"n": case.pk, "r": reason, "e": old.pk},
            party=old.party,
        )
        contact.episode, contact.case = episode, None
        contact.save(update_fields=["episode", "case", "updated_at"])
        audit_record(
            actor=actor,
            event_type=events.CONTACT_ISOLATION_RESTORED,
            obj=contact,
            before={"case": case.pk, "episode": old.pk},
            after={"episode": episode.pk, "status": episode.status, "isolate_by": episode.isolate_by},
            reason=reason,
        )
        back.append(contact)
    return back
