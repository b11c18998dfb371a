"""Every write to places and people goes through here, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core import generations
from fangkong.core.crypto import Sealer, decrypt, lookup_hashes
from fangkong.core.errors import DomainError, PermissionRefused, RateLimited
from fangkong.core.permissions import user_can
from fangkong.core.ratelimit import limit_hit
from fangkong.geo.permissions import GeoCap

from .birth import birth_date_from
from .models import Grid, Household, Person, PersonTag
from .records import FieldError, build_person_record
from .search import SearchTerm, classify

MIN_REASON_LENGTH = 4


class SearchLimited(RateLimited):
    """Too many searches by full number: the message says how long to wait."""


def number_search_check(*, actor: Any, term: str, where: str) -> SearchTerm:
    """Every person search passes its term here first (page, navbar, API, case list, tracing, the
    look-ups that open a case or an isolation episode). A term that probes hidden digits — a full
    phone or ID number, 5–7 trailing ID digits (fangkong.geo.search) — counts against the user's
    limit (settings.FANGKONG_NUMBER_SEARCH_LIMITS, 30 per 10 minutes and 200 a day) and is audited
    (geo.number_searched) with its kind, masked form and keyed hash, never the number; past the
    limit it is refused (SearchLimited) and the refusal is audited too. Other terms pass untouched."""
    found = classify(term)
    if not found.probing:
        return found
    windows = getattr(settings, "FANGKONG_NUMBER_SEARCH_LIMITS", ((30, 600),))
    refused = limit_hit(f"geo:number-search:{getattr(actor, 'pk', actor)}", windows)
    audit_record(
        actor=actor,
        event_type=EventType.NUMBER_SEARCHED,
        object_type="geo.person",
        object_repr=found.masked,
        after={"kind": str(found.kind), "masked": found.masked, "hash": found.keyed_hash, "where": where, "refused": refused is not None},
    )
    if refused is not None:
        minutes = max(1, -(-refused.retry_after // 60))
        raise SearchLimited(
            _("按完整证件号或手机号查询过于频繁：%(window)s内最多 %(n)s 次。请 %(m)s 分钟后再试；如需核对大量号码，请联系管理员。")
            % {"window": _window(refused.seconds), "n": refused.limit, "m": minutes},
            rule="geo.number_search_limit",
            retry_after=refused.retry_after,
        )
    return found


def _window(seconds: int) -> str:
    single = {86400: _("一天"), 3600: _("一小时"), 60: _("一分钟")}.get(seconds)  # "in a day", not "in 1 days"
    if single is not None:
        return single
    if seconds % 86400 == 0:
        return _("%(n)s 天") % {"n": seconds // 86400}
    if seconds % 3600 == 0:
        return _("%(n)s 小时") % {"n": seconds // 3600}
    return _("%(n)s 分钟") % {"n": seconds // 60}


@transaction.atomic
def person_create(
    *,
    actor: Any,
    household: Household | None,
    name: str,
    id_type: str,
    id_number: str,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    phone: str = "",
    tags: tuple[str, ...] = (),
    place: Grid | None = None,
    address: str = "",
) -> Person:
    """A new person of the registry, sealed (geo.records) and audited. They live in `household`, or,
    registered without one, in the grid `place` at the free-text `address`."""
    try:
        record = build_person_record(
            Sealer(), name=name, id_type=id_type, id_number=id_number, sex=sex, birth_date=birth_date, phone=phone, tags=tags
        )
    except FieldError as exc:
        raise DomainError(exc.message, field=exc.field) from exc
    if Person.objects.filter(id_hash__in=lookup_hashes("id", decrypt(record.id_cipher))).exists():  # under any key (a rotation)
        raise DomainError(_("该证件号码已登记"), field="id_number", rule="person.unique_id")
    ancestry: dict[str, Any] = {}
    if household is not None:
        ancestry = {f: getattr(household, f"{f}_id") for f in ("district", "street", "community", "grid")}
    elif place is not None:
        ancestry = {"district": place.district_id, "street": place.street_id, "community": place.community_id, "grid": place.pk}
    fields = {k: v for k, v in vars(record).items() if k != "tags"}
    try:
        person = Person.objects.create(
            household=household, address=address.strip(), **{f"{k}_id": v for k, v in ancestry.items()}, **fields
        )
    except IntegrityError as exc:  # a concurrent insert of the same number
        raise DomainError(_("该证件号码已登记"), field="id_number", rule="person.unique_id") from exc
    PersonTag.objects.bulk_create(PersonTag(person=person, tag=t) for t in record.tags)
    generations.table_written(PersonTag)  # bulk_create sends no post_save: the overview kept per jurisdiction
    audit_record(
        actor=actor,
        event_type=EventType.PERSON_CREATED,
        obj=person,
        after={
            "name": person.name,
            "id": person.id_masked,
            "household": household.pk if household else None,
            "grid": place.pk if household is None and place is not None else None,
            "tags": list(record.tags),
        },
    )
    return person


@transaction.atomic
def person_set_tags(*, actor: Any, person: Person, tags: tuple[str, ...]) -> Person:
    before = sorted(person.tags.values_list("tag", flat=True))
    PersonTag.objects.filter(person=person).exclude(tag__in=tags).delete()
    PersonTag.objects.bulk_create([PersonTag(person=person, tag=t) for t in tags if t not in before])
    generations.table_written(PersonTag)  # bulk_create sends no post_save: the overview kept per jurisdiction
    audit_record(actor=actor, event_type=EventType.PERSON_UPDATED, obj=person, before={"tags": before}, after={"tags": sorted(tags)})
    return person


@dataclass(frozen=True)
class Revealed:
    id_number: str
    birth_date: dt.date | None  # the exact date: shown only here (decision 0005)


@transaction.atomic
def person_reveal(*, actor: Any, person: Person, reason: str) -> Revealed:
    """Return the full document number and the exact birth date. Needs the reveal capability and a
    typed reason; audited (one geo.id_revealed event).

    The caller must already have fetched `person` through a scoped selector."""
    if not user_can(actor, GeoCap.REVEAL_ID):
        raise PermissionRefused(_("您的角色无权查看完整证件号"), rule=GeoCap.REVEAL_ID)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(
            _("请填写查看事由（至少 %(n)d 个字）") % {"n": MIN_REASON_LENGTH},
            field="reason",
            rule="privacy.reveal_reason",
        )
    audit_record(actor=actor, event_type=EventType.ID_REVEALED, obj=person, reason=reason)
    return Revealed(decrypt(person.id_cipher), birth_date_from(person.id_type, person.id_cipher, person.birth_cipher))


def person_reveal_id(*, actor: Any, person: Person, reason: str) -> str:
    """The full document number only (person_reveal, audited the same way)."""
    return person_reveal(actor=actor, person=person, reason=reason).id_number
