"""The ledger (台账), 摸排 visits, work groups and pairing: coverage figures in the seed's form,
the unpaired listed, bad input named by field, and the community's own residents only."""

from __future__ import annotations

import datetime as dt

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.clock import now
from fangkong.core.errors import DomainError, PermissionRefused
from fangkong.livelihood.choices import EntrySource, MemberKind, Need
from fangkong.livelihood.models import LedgerEntry, Pairing
from fangkong.livelihood.selectors import ledger_list, pairing_figures, place_totals
from fangkong.livelihood.services.groups import member_add, pair, unpair
from fangkong.livelihood.services.ledger import entries_from_registry, entry_add, visit_record

from ..factories import make_person

pytestmark = pytest.mark.django_db


def test_entries_from_registry_take_the_ledger_tags_once(worker, city):
    # The city fixture's 王秀英 is tagged elderly_alone; 李建国 has no tag; 马丽 lives elsewhere.
    make_person(city.home.household, "陈淑芬", tags=["disabled_severe", "dibao"])
    assert entries_from_registry(actor=worker, community=city.home.community) == 2
    entries = {e.person.name: e for e in LedgerEntry.objects.select_related("person")}
    assert set(entries) == {"王秀英", "陈淑芬"}
    assert entries["陈淑芬"].categories == ["disabled_severe"]  # 低保 alone does not put someone on the ledger
    assert entries["王秀英"].source == EntrySource.REGISTRY
    assert entries_from_registry(actor=worker, community=city.home.community) == 0  # nobody twice
    assert AuditEvent.objects.filter(event_type="livelihood.entries_from_registry").count() == 2


def test_entry_refuses_bad_input_naming_the_field(worker, resident):
    with pytest.raises(DomainError) as exc:
        entry_add(actor=worker, person=resident, categories=[], needs=[])
    assert exc.value.field == "categories"
    with pytest.raises(DomainError) as exc:
        entry_add(actor=worker, person=resident, categories=["elderly_alone"], needs=["caviar"])
    assert exc.value.field == "needs"
    with pytest.raises(DomainError) as exc:
        entry_add(actor=worker, person=resident, categories=["elderly_alone"], needs=[], contact_phone="12")
    assert exc.value.field == "contact_phone"
    assert not LedgerEntry.objects.exists()


def test_entry_outside_the_grant_is_refused(worker, city):
    outsider = make_person(city.elsewhere.household, "外区老人", tags=["elderly_alone"])
    with pytest.raises(PermissionRefused) as exc:
        entry_add(actor=worker, person=outsider, categories=["elderly_alone"], needs=[])
    assert exc.value.field == "person"


def test_street_office_may_not_keep_the_ledger(users, resident):
    with pytest.raises(PermissionRefused):
        entry_add(actor=users["street"], person=resident, categories=["elderly_alone"], needs=[])


def test_visit_adds_the_needs_found(worker, entry):
    visit_record(
        actor=worker,
        entry=entry,
        visited_at=now() - dt.timedelta(hours=1),
        visitor_name="孙琳红",
        findings="独居，行动不便",
        needs_found=[Need.CARE],
    )
    entry.refresh_from_db()
    assert entry.needs == [Need.FOOD, Need.MEDICINE, Need.CARE]
    with pytest.raises(DomainError) as exc:
        visit_record(actor=worker, entry=entry, visited_at=now() + dt.timedelta(hours=2), visitor_name="孙琳红", findings="x")
    assert exc.value.field == "visited_at"
    with pytest.raises(DomainError) as exc:
        visit_record(actor=worker, entry=entry, visited_at=now(), visitor_name="", findings="x")
    assert exc.value.field == "visitor_name"


def test_pairing_figures_in_the_seeds_form(worker, city, group, member, entry):
    second = entry_add(
        actor=worker, person=make_person(city.home.household, "周大爷", tags=["empty_nest"]), categories=["empty_nest"], needs=[]
    )
    third = entry_add(
        actor=worker, person=make_person(city.home.household, "吴奶奶", tags=["left_behind"]), categories=["left_behind"], needs=[]
    )
    other = member_add(actor=worker, group=group, kind=MemberKind.PARTY_MEMBER, name="党员甲", phone="13800006666")
    member_add(actor=worker, group=group, kind=MemberKind.CADRE, name="干部乙", phone="13800007777")
    pair(actor=worker, member=member, entries=[entry, second])  # 一对多
    figures = pairing_figures(user=worker)
    assert (figures.groups, figures.members, figures.pairs, figures.covered) == (1, 3, 1, 2)
    assert (figures.one_to_one, figures.one_to_many, figures.ledger, figures.unpaired) == (0, 1, 3, 1)
    assert [e.pk for e in ledger_list(user=worker, unpaired=True)] == [third.pk]
    pair(actor=worker, member=other, entries=[third])  # 一对一
    figures = pairing_figures(user=worker)
    assert (figures.pairs, figures.one_to_one, figures.covered, figures.unpaired) == (2, 1, 3, 0)


def test_a_resident_has_one_pair_and_pairs_stay_in_the_community(worker, city, group, member, entry, paired):
    other = member_add(actor=worker, group=group, kind=MemberKind.VOLUNTEER, name="志愿者丙", phone="13800008888")
    with pytest.raises(DomainError) as exc:
        pair(actor=worker, member=other, entries=[entry])
    assert exc.value.field == "entries"
    # An entry of another community (kept by a worker there) may not be paired with this group.
    from fangkong.core.roles import Role

    from ..factories import make_user

    there = make_user("there", Role.COMMUNITY_WORKER, [("community", city.elsewhere.community)])
    far = entry_add(
        actor=there,
        person=make_person(city.elsewhere.household, "远方老人", tags=["elderly_alone"]),
        categories=["elderly_alone"],
        needs=[],
    )
    with pytest.raises(DomainError) as exc:
        pair(actor=worker, member=other, entries=[far])
    assert exc.value.field == "entries" and exc.value.rule == "livelihood.pair_same_community"
    assert Pairing.objects.filter(member=other).count() == 0
    unpair(actor=worker, pairing=paired)
    pair(actor=worker, member=other, entries=[entry])
    assert Pairing.objects.get(entry=entry, ended_at__isnull=True).member == other


def test_totals_name_nobody_and_stay_in_the_grant(users, entry, paired, city):
    rows = place_totals(user=users["district"], level="street")
    assert [(r.name, r.ledger, r.unpaired) for r in rows] == [(city.home.street.name, 1, 0)]
    assert place_totals(user=users["nogrant"], level="community") == []
    assert pairing_figures(user=users["nogrant"]).ledger == 0


def test_entry_update_keeps_the_phone_when_blank(worker, entry):
    from fangkong.livelihood.services.ledger import entry_update

    masked = entry.contact_phone_masked
    entry_update(actor=worker, entry=entry, categories=["elderly_alone", "disabled_severe"], needs=["care"], can_order_by_phone=False)
    entry.refresh_from_db()
    assert (entry.categories, entry.needs, entry.can_order_by_phone, entry.contact_phone_masked) == (
        ["elderly_alone", "disabled_severe"],
        ["care"],
        False,
        masked,
    )
    with pytest.raises(DomainError) as exc:
        entry_update(actor=worker, entry=entry, categories=["bogus"], needs=[])
    assert exc.value.field == "categories"
