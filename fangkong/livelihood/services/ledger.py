"""Writes of the ledger (台账) of special-difficulty residents: an entry added by hand or by a 摸排
visit, entries built set-based from the registry's vulnerable tags, and the visits themselves.
Only the resident's community keeps the entry (livelihood.ledger within the grant)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import aware, not_in_future, now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.texts import clean_text
from fangkong.geo.choices import VulnerableTag
from fangkong.geo.models import Community, Person, PersonTag

from ..choices import EntrySource, EntryStatus, Need
from ..events import LivelihoodEvent
from ..models import LedgerEntry, SurveyVisit
from ..permissions import LivelihoodCap
from .common import choice_list, covered_community, covered_row, place_of, sealed_phone

# The registry tags that put a resident on the ledger (seed 003: 空巢、独居、失能、留守老年人, and the
# others who cannot fetch goods themselves).
LEDGER_TAGS: tuple[str, ...] = (
    VulnerableTag.ELDERLY_ALONE,
    VulnerableTag.EMPTY_NEST,
    VulnerableTag.LEFT_BEHIND,
    VulnerableTag.DISABLED,
    VulnerableTag.DISABLED_MODERATE,
    VulnerableTag.DISABLED_SEVERE,
    VulnerableTag.TEKUN,
    VulnerableTag.PREGNANT,
)
CATEGORIES = VulnerableTag


def _compound_id(person: Person) -> int | None:
    return person.household.compound_id if person.household_id else None


@transaction.atomic
def entry_add(
    *,
    actor: Any,
    person: Person,
    categories: list[str],
    needs: list[str],
    contact_name: str = "",
    contact_phone: str = "",
    can_order_by_phone: bool = True,
    source: str = EntrySource.SURVEY,
    notes: str = "",
) -> LedgerEntry:
    """Put a resident on their community's ledger (one entry per person)."""
    require(actor, LivelihoodCap.LEDGER)
    covered_row(actor, person, field="person", what=_("该居民"))
    if person.community_id is None:
        raise DomainError(_("该居民没有所属社区，无法登记台账"), field="person")
    cats = choice_list(categories, CATEGORIES, field="categories", label=_("类别"))
    if not cats:
        raise DomainError(_("请至少选择一个类别"), field="categories")
    need_list = choice_list(needs, Need, field="needs", label=_("需求"))
    name = clean_text(contact_name, field="contact_name", label=_("联系人"), required=False)
    cipher, digest, masked = sealed_phone(contact_phone, field="contact_phone")
    if LedgerEntry.objects.filter(person=person).exists():
        raise DomainError(_("该居民已在台账中"), field="person", rule="livelihood.entry_unique")
    entry = LedgerEntry.objects.create(
        person=person,
        compound_id=_compound_id(person),
        **place_of(person),
        categories=cats,
        needs=need_list,
        contact_name=name,
        contact_phone_cipher=cipher,
        contact_phone_hash=digest,
        contact_phone_masked=masked,
        can_order_by_phone=bool(can_order_by_phone),
        source=source,
        notes=clean_text(notes, field="notes", label=_("备注"), required=False, max_length=300),
    )
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.ENTRY_ADDED,
        obj=entry,
        after={"community": entry.community_id, "categories": cats, "needs": need_list, "source": source},
    )
    return entry


@transaction.atomic
def entry_update(
    *,
    actor: Any,
    entry: LedgerEntry,
    categories: list[str],
    needs: list[str],
    contact_name: str = "",
    contact_phone: str = "",
    can_order_by_phone: bool = True,
    notes: str = "",
) -> LedgerEntry:
    """Change an entry's categories, needs, contact and whether the person can order by phone (a
    blank phone keeps the one on record)."""
    require(actor, LivelihoodCap.LEDGER)
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    covered_row(actor, entry, field="entry", what=_("该居民"))
    cats = choice_list(categories, CATEGORIES, field="categories", label=_("类别"))
    if not cats:
        raise DomainError(_("请至少选择一个类别"), field="categories")
    before = {"categories": entry.categories, "needs": entry.needs, "can_order_by_phone": entry.can_order_by_phone}
    entry.categories = cats
    entry.needs = choice_list(needs, Need, field="needs", label=_("需求"))
    entry.contact_name = clean_text(contact_name, field="contact_name", label=_("联系人"), required=False)
    if (contact_phone or "").strip():
        entry.contact_phone_cipher, entry.contact_phone_hash, entry.contact_phone_masked = sealed_phone(
            contact_phone, field="contact_phone"
        )
    entry.can_order_by_phone = bool(can_order_by_phone)
    entry.notes = clean_text(notes, field="notes", label=_("备注"), required=False, max_length=300)
    entry.save()
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.ENTRY_CHANGED,
        obj=entry,
        before=before,
        after={"categories": entry.categories, "needs": entry.needs, "can_order_by_phone": entry.can_order_by_phone},
    )
    return entry


@transaction.atomic
def entries_from_registry(*, actor: Any, community: Community) -> int:
    """Every resident of the community carrying a ledger tag and not yet on the ledger is added
    (set-based: one insert; their categories are their ledger tags). Returns how many were added."""
    require(actor, LivelihoodCap.LEDGER)
    covered_community(actor, community)
    tagged = PersonTag.objects.filter(person_id=OuterRef("pk"), tag__in=LEDGER_TAGS)
    listed = LedgerEntry.objects.filter(person_id=OuterRef("pk"))
    people = list(
        Person.objects.filter(community_id=community.pk)
        .filter(Exists(tagged))
        .exclude(Exists(listed))
        .values_list("pk", "district_id", "street_id", "community_id", "grid_id", "household__compound_id")
    )
    tags: dict[int, list[str]] = {}
    for pid, tag in PersonTag.objects.filter(person_id__in=[p[0] for p in people], tag__in=LEDGER_TAGS).values_list("person_id", "tag"):
        tags.setdefault(pid, []).append(tag)
    order = {t: i for i, t in enumerate(VulnerableTag.values)}
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                person_id=pid,
                compound_id=compound,
                district_id=district,
                street_id=street,
                community_id=comm,
                grid_id=grid,
                categories=sorted(tags.get(pid, []), key=order.__getitem__),
                needs=[Need.FOOD],
                source=EntrySource.REGISTRY,
            )
            for pid, district, street, comm, grid, compound in people
        ],
        batch_size=2000,
    )
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.ENTRIES_FROM_REGISTRY,
        obj=community,
        object_repr=community.name,
        after={"community": community.pk, "added": len(people)},
        count=len(people),
    )
    return len(people)


@transaction.atomic
def visit_record(
    *,
    actor: Any,
    entry: LedgerEntry,
    visited_at: dt.datetime,
    visitor_name: str,
    findings: str,
    needs_found: list[str] | None = None,
) -> SurveyVisit:
    """A 摸排 visit to a ledger resident: who, when, what was found; needs found are added to the
    entry's needs."""
    require(actor, LivelihoodCap.LEDGER)
    entry = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    covered_row(actor, entry, field="entry", what=_("该居民"))
    if entry.status != EntryStatus.ACTIVE:
        raise DomainError(_("该居民已从台账销号"), field="entry")
    visited_at = aware(visited_at, field="visited_at")
    not_in_future(visited_at, field="visited_at", label=_("摸排时间"))
    name = clean_text(visitor_name, field="visitor_name", label=_("摸排人"))
    text = clean_text(findings, field="findings", label=_("摸排情况"), max_length=1000)
    found = choice_list(needs_found, Need, field="needs_found", label=_("发现需求"))
    visit = SurveyVisit.objects.create(
        entry=entry,
        visited_at=visited_at,
        visitor=actor if getattr(actor, "is_authenticated", False) else None,
        visitor_name=name,
        findings=text,
        needs_found=found,
    )
    merged = [n for n in Need.values if n in set(entry.needs) | set(found)]
    if merged != entry.needs:
        entry.needs = merged
        entry.save(update_fields=["needs", "updated_at"])
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.VISIT_RECORDED,
        obj=entry,
        after={"visited_at": visited_at, "needs_found": found, "recorded_at": now()},
    )
    return visit
