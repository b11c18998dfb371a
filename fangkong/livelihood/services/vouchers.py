"""Writes of the one-off voucher (seed 003): a programme set up from the active policy (its rules,
amount, 户籍 and the age reference date copied in, with their citation); a voucher issued to one
person — refused naming the rule when they are not eligible, refused when they already hold one of
the programme (a database constraint as well) — as a code or as goods; a community's run issuing to
everyone eligible at once; a redemption. Money is Decimal throughout."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from fangkong.audit.services import audit_record
from fangkong.core.clock import now
from fangkong.core.errors import DomainError
from fangkong.core.permissions import require
from fangkong.core.scoping import jurisdiction_of
from fangkong.core.texts import clean_text
from fangkong.core.transitions import check_transition
from fangkong.geo.models import Community, District, Person, Street
from fangkong.policy.rules import rule

from ..choices import VOUCHER_TRANSITIONS, VoucherForm, VoucherStatus
from ..eligibility import decide_person, eligible_people
from ..events import LivelihoodEvent
from ..models import Voucher, VoucherProgramme
from ..permissions import LivelihoodCap
from .common import covered_community, covered_row, place_of

ONE_PER_PERSON = "livelihood.one_voucher_per_person"
SCOPE_RULE = "livelihood.programme_scope"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def money(value: Any, *, field: str) -> Decimal:
    """An amount in yuan: positive, whole cents (a fractional cent or a negative amount is refused)."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("金额格式不正确"), field=field) from exc
    if not amount.is_finite() or amount <= 0:
        raise DomainError(_("金额须大于 0"), field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("金额最多精确到分"), field=field)
    return amount.quantize(Decimal("0.01"))


ScopePlace = District | Street | Community | None


def programme_scope(place: ScopePlace) -> dict[str, int | None]:
    """The place ids a programme over `place` carries (a district, a street, a community; None: the
    whole city, all three empty)."""
    if place is None:
        return {"district_id": None, "street_id": None, "community_id": None}
    if isinstance(place, District):
        return {"district_id": place.pk, "street_id": None, "community_id": None}
    if isinstance(place, Street):
        return {"district_id": place.district_id, "street_id": place.pk, "community_id": None}
    if isinstance(place, Community):
        return {"district_id": place.district_id, "street_id": place.street_id, "community_id": place.pk}
    raise DomainError(_("发放范围只能是区县、街道或社区"), field="scope", rule=SCOPE_RULE)


def within_programme(programme: VoucherProgramme, *, field: str, what: str, **ids: int | None) -> None:
    """Refuse unless the place (district_id=…, street_id=…, community_id=…) lies inside the programme's
    scope: its deepest place must be the row's (a city-wide programme takes everyone)."""
    for level in ("community", "street", "district"):
        pk = getattr(programme, f"{level}_id")
        if pk is None:
            continue
        if ids.get(f"{level}_id") != pk:
            raise DomainError(
                _("%(what)s不在本方案的发放范围（%(scope)s）内") % {"what": what, "scope": programme.scope_name},
                field=field,
                rule=SCOPE_RULE,
            )
        return


@transaction.atomic
def programme_add(*, actor: Any, name: str, place: ScopePlace, age_reference_date: dt.date | None = None) -> VoucherProgramme:
    """A programme over `place` (None: the whole city), which must lie within the actor's grants — a
    community worker sets one up for their community, never for the city."""
    require(actor, LivelihoodCap.VOUCHERS)
    ids = programme_scope(place)
    if not jurisdiction_of(actor).covers_place(**ids):
        # A choice on the form, answered on it (not a 403): the places offered are the actor's own.
        raise DomainError(
            _("发放范围“%(scope)s”超出您的管辖范围，只能在您负责的地区内设立方案")
            % {"scope": place.name if place is not None else _("全市")},
            field="scope",
            rule=SCOPE_RULE,
        )
    name = clean_text(name, field="name", label=_("方案名称"), max_length=100)
    if VoucherProgramme.objects.filter(name=name).exists():
        raise DomainError(_("已有同名方案"), field="name")
    found = {key: rule(key) for key in ("voucher.amount", "voucher.hukou_prefix", "voucher.age_reference_date", "voucher.rules")}
    reference = age_reference_date or dt.date.fromisoformat(str(found["voucher.age_reference_date"].value))
    programme = VoucherProgramme.objects.create(
        name=name,
        amount=money(found["voucher.amount"].value, field="amount"),
        age_reference_date=reference,
        hukou_prefix=str(found["voucher.hukou_prefix"].value),
        rules=found["voucher.rules"].value,
        basis="\n".join(r.citation for r in found.values()),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **ids,
    )
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.PROGRAMME_ADDED,
        obj=programme,
        after={"amount": programme.amount, "age_reference_date": reference, **ids},
    )
    return programme


def _code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))


@transaction.atomic
def voucher_issue(*, actor: Any, programme: VoucherProgramme, person: Person, form: str = VoucherForm.CODE) -> Voucher:
    """One person's voucher, if the rules make them eligible (refused naming the rule otherwise)."""
    require(actor, LivelihoodCap.VOUCHERS)
    covered_row(actor, person, field="person", what=_("该居民"))
    within_programme(programme, field="person", what=_("该居民"), **place_of(person))
    if form not in VoucherForm.values:
        raise DomainError(_("发放形式无效"), field="form")
    decision = decide_person(programme, person)
    if not decision.eligible:
        raise DomainError(decision.reason, field="person", rule=decision.rule)
    if Voucher.objects.filter(programme=programme, person=person).exists():
        raise DomainError(_("该居民已领取本方案的消费券，每人限领一次"), field="person", rule=ONE_PER_PERSON)
    try:
        with transaction.atomic():
            voucher = Voucher.objects.create(
                programme=programme,
                person=person,
                rule=decision.rule,
                amount=programme.amount,
                form=form,
                code=_code() if form == VoucherForm.CODE else None,
                issued_at=now(),
                issued_by=actor if getattr(actor, "is_authenticated", False) else None,
                **place_of(person),
            )
    except IntegrityError as exc:
        raise DomainError(_("该居民已领取本方案的消费券，每人限领一次"), field="person", rule=ONE_PER_PERSON) from exc
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.VOUCHERS_ISSUED,
        obj=voucher,
        after={"programme": programme.pk, "rule": decision.rule, "form": form, "amount": programme.amount},
        count=1,
    )
    return voucher


@transaction.atomic
def voucher_run(*, actor: Any, programme: VoucherProgramme, community: Community, form: str = VoucherForm.CODE) -> int:
    """Issue the programme's voucher to everyone eligible in the community who has none yet
    (set-based; one audit event with the count). Returns how many were issued."""
    require(actor, LivelihoodCap.VOUCHERS)
    covered_community(actor, community)
    within_programme(
        programme,
        field="community",
        what=community.name,
        district_id=community.district_id,
        street_id=community.street_id,
        community_id=community.pk,
    )
    if form not in VoucherForm.values:
        raise DomainError(_("发放形式无效"), field="form")
    held = set(Voucher.objects.filter(programme=programme, community_id=community.pk).values_list("person_id", flat=True))
    at = now()
    by = actor if getattr(actor, "is_authenticated", False) else None
    rows = [
        Voucher(
            programme=programme,
            person_id=pid,
            rule=rule_code,
            amount=programme.amount,
            form=form,
            code=_code() if form == VoucherForm.CODE else None,
            issued_at=at,
            issued_by=by,
            **places,
        )
        for pid, rule_code, places in eligible_people(programme, Q(community_id=community.pk))
        if pid not in held
    ]
    Voucher.objects.bulk_create(rows, batch_size=2000)
    audit_record(
        actor=actor,
        event_type=LivelihoodEvent.VOUCHERS_ISSUED,
        obj=programme,
        after={"community": community.pk, "form": form, "issued": len(rows)},
        count=len(rows),
    )
    return len(rows)


@transaction.atomic
def voucher_redeem(*, actor: Any, voucher: Voucher) -> Voucher:
    require(actor, LivelihoodCap.VOUCHERS)
    voucher = Voucher.objects.select_for_update().get(pk=voucher.pk)
    covered_row(actor, voucher, field="voucher", what=_("该消费券"))
    check_transition(
        VOUCHER_TRANSITIONS,
        voucher.status,
        VoucherStatus.REDEEMED,
        labels=VoucherStatus,
        what=_("该消费券"),
        action=_("核销"),
        rule="livelihood.voucher_transition",
    )
    voucher.status = VoucherStatus.REDEEMED
    voucher.redeemed_at = now()
    voucher.save(update_fields=["status", "redeemed_at", "updated_at"])
    audit_record(actor=actor, event_type=LivelihoodEvent.VOUCHER_REDEEMED, obj=voucher, after={"status": voucher.status})
    return voucher
