"""Every write to places and people goes through here, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fangkong.accounts.roles import Cap, user_can
from fangkong.audit.catalogue import EventType
from fangkong.audit.services import audit_record
from fangkong.core.crypto import Sealer, decrypt
from fangkong.core.errors import DomainError, PermissionRefused

from .birth import birth_date_from
from .models import Household, Person, PersonTag
from .records import FieldError, build_person_record

MIN_REASON_LENGTH = 4


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
) -> Person:
    try:
        record = build_person_record(
            Sealer(), name=name, id_type=id_type, id_number=id_number, sex=sex, birth_date=birth_date, phone=phone, tags=tags
        )
    except FieldError as exc:
        raise DomainError(exc.message, field=exc.field) from exc
    if Person.objects.filter(id_hash=record.id_hash).exists():
        raise DomainError(_("该证件号码已登记"), field="id_number", rule="person.unique_id")
    ancestry: dict[str, Any] = {}
    if household is not None:
        ancestry = {f: getattr(household, f"{f}_id") for f in ("district", "street", "community", "grid")}
    fields = {k: v for k, v in vars(record).items() if k != "tags"}
    try:
        person = Person.objects.create(household=household, **{f"{k}_id": v for k, v in ancestry.items()}, **fields)
    except IntegrityError as exc:  # a concurrent insert of the same number
        raise DomainError(_("该证件号码已登记"), field="id_number", rule="person.unique_id") from exc
    PersonTag.objects.bulk_create(PersonTag(person=person, tag=t) for t in record.tags)
    audit_record(
        actor=actor,
        event_type=EventType.PERSON_CREATED,
        obj=person,
        after={"name": person.name, "id": person.id_masked, "household": household.pk if household else None, "tags": list(record.tags)},
    )
    return person


@transaction.atomic
def person_set_tags(*, actor: Any, person: Person, tags: tuple[str, ...]) -> Person:
    before = sorted(person.tags.values_list("tag", flat=True))
    PersonTag.objects.filter(person=person).exclude(tag__in=tags).delete()
    PersonTag.objects.bulk_create([PersonTag(person=person, tag=t) for t in tags if t not in before])
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
    if not user_can(actor, Cap.REVEAL_ID):
        raise PermissionRefused(_("您的角色无权查看完整证件号"), rule=Cap.REVEAL_ID)
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
