"""The ledger's figures the database keeps (LedgerCount, PairCount; decision 0015) equal the figures
counted from the ledger and the pairs after every kind of write: the services (an entry, entries
from the registry, a visit, an edit, a group, members, 一对一 and 一对多 pairs, unpairing), bulk and
raw SQL inserts, a data fix closing or moving an entry or moving a pair, deletes, the demo's data,
a TRUNCATE (PostgreSQL), the rebuild command — for every level of grant. Without the triggers the
check fails (test_without_the_triggers_the_figures_go_stale)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from fangkong.livelihood.choices import EntryStatus, MemberKind
from fangkong.livelihood.figures import figures_differ
from fangkong.livelihood.models import GroupMember, LedgerCount, LedgerEntry, PairCount, Pairing, ServiceGroup
from fangkong.livelihood.selectors import PairingFigures, pairing_figures, place_totals
from fangkong.livelihood.services.groups import group_add, member_add, pair, unpair
from fangkong.livelihood.services.ledger import entries_from_registry, entry_add, entry_update, visit_record

from ..factories import make_person

pytestmark = pytest.mark.django_db
LEVELS = ("command", "district", "street", "community", "grid", "nogrant")


def counted(user, community_id=None) -> PairingFigures:
    """The figures counted from the rows, as pairing_figures read them before they were kept."""
    groups = ServiceGroup.objects.covered_by(user)
    entries = LedgerEntry.objects.covered_by(user).filter(status=EntryStatus.ACTIVE)
    if community_id:
        groups, entries = groups.filter(community_id=community_id), entries.filter(community_id=community_id)
    live = Pairing.objects.filter(ended_at__isnull=True, entry__in=entries)
    per_member = list(live.values("member_id").annotate(n=Count("id")).values_list("n", flat=True))
    ledger, covered = entries.count(), sum(per_member)
    return PairingFigures(
        groups=groups.count(),
        members=GroupMember.objects.filter(group__in=groups).count(),
        pairs=len(per_member),
        one_to_one=sum(1 for n in per_member if n == 1),
        one_to_many=sum(1 for n in per_member if n > 1),
        covered=covered,
        ledger=ledger,
        unpaired=ledger - covered,
    )


def counted_totals(user, level):
    key = f"{level}_id"
    entries = LedgerEntry.objects.covered_by(user).filter(status=EntryStatus.ACTIVE)
    ledger = dict(entries.values_list(key).annotate(n=Count("id")).values_list(key, "n"))
    paired = entries.filter(pairings__ended_at__isnull=True, pairings__isnull=False)
    covered = dict(paired.values_list(key).annotate(n=Count("id")).values_list(key, "n"))
    return {pk: (n, n - covered.get(pk, 0)) for pk, n in ledger.items() if pk}


def assert_kept(users, city) -> None:
    assert figures_differ() == []
    for name in LEVELS:
        user = users[name]
        assert pairing_figures(user=user) == counted(user), name
        for community in (city.home.community, city.elsewhere.community):
            assert pairing_figures(user=user, community_id=community.pk) == counted(user, community.pk), name
        for level in ("district", "street", "community"):
            assert {t.place_id: (t.ledger, t.unpaired) for t in place_totals(user=user, level=level)} == counted_totals(user, level)


def _entry(worker, household, name, tag="elderly_alone"):
    return entry_add(actor=worker, person=make_person(household, name, tags=[tag]), categories=[tag], needs=[])


def test_kept_through_the_services(users, city, worker, group, member, entry):
    assert_kept(users, city)
    entries_from_registry(actor=worker, community=city.home.community)  # bulk_create: 王秀英
    second = _entry(worker, city.neighbour.household, "周大爷", "empty_nest")  # another grid
    third = _entry(worker, city.home.household, "吴奶奶", "left_behind")
    assert_kept(users, city)
    other = member_add(actor=worker, group=group, kind=MemberKind.PARTY_MEMBER, name="党员甲", phone="13800006666")
    group_add(actor=worker, compound=city.home.compound, name="第二组")
    pair(actor=worker, member=member, entries=[entry, second])  # 一对多 across two grids
    pair(actor=worker, member=other, entries=[third])  # 一对一
    assert_kept(users, city)
    assert pairing_figures(user=users["community"]).pairs == 2
    assert pairing_figures(user=users["grid"]).covered == 2  # the grid's own: entry and third
    entry_update(actor=worker, entry=second, categories=["empty_nest"], needs=["care"], can_order_by_phone=False)
    visit_record(actor=worker, entry=third, visited_at=entry.created_at, visitor_name="孙琳红", findings="独居")
    unpair(actor=worker, pairing=Pairing.objects.get(entry=second, ended_at__isnull=True))
    assert_kept(users, city)
    pair(actor=worker, member=other, entries=[second])
    assert_kept(users, city)
    assert pairing_figures(user=users["command"]).one_to_many == 1


def test_kept_through_data_fixes_and_deletes(users, city, worker, group, member, entry, paired):
    second = _entry(worker, city.home.household, "周大爷")
    pair(actor=worker, member=member, entries=[second])
    other = member_add(actor=worker, group=group, kind=MemberKind.CADRE, name="干部乙", phone="13800007777")
    LedgerEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.CLOSED)  # closed, still paired
    assert_kept(users, city)
    LedgerEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.ACTIVE)
    Pairing.objects.filter(entry=second).update(member=other)  # the pair moved to another member
    assert_kept(users, city)
    far = city.elsewhere
    LedgerEntry.objects.filter(pk=second.pk).update(
        district_id=far.district.pk, street_id=far.street.pk, community_id=far.community.pk, grid_id=None
    )  # moved with its pair (a place without a grid)
    assert_kept(users, city)
    assert pairing_figures(user=users["command"], community_id=far.community.pk).covered == 1
    Pairing.objects.filter(entry=second).delete()
    LedgerEntry.objects.filter(pk=second.pk).delete()
    assert_kept(users, city)
    assert LedgerCount.objects.filter(community_id=far.community.pk, active__gt=0).count() == 0


def test_kept_through_raw_bulk_sql(users, city, worker, group, member, entry):
    """The bench's fill: entries and pairs inserted by INSERT … SELECT, then ended by one UPDATE."""
    for i in range(5):
        make_person(city.home.household, f"老人{i}")
    c = city.home.community
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO livelihood_ledgerentry (created_at, updated_at, categories, needs, contact_name, contact_phone_cipher, "
            "contact_phone_hash, contact_phone_masked, can_order_by_phone, source, status, notes, district_id, street_id, "
            "community_id, grid_id, person_id) SELECT created_at, created_at, '[]', '[]', '', '', '', '', 1 = 1, 'survey', 'active', '', "
            "district_id, street_id, community_id, grid_id, id FROM geo_person p WHERE p.community_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM livelihood_ledgerentry e WHERE e.person_id = p.id)",
            [c.pk],
        )
        cur.execute(
            "INSERT INTO livelihood_pairing (created_at, updated_at, member_id, entry_id) SELECT created_at, created_at, %s, id "
            "FROM livelihood_ledgerentry WHERE community_id = %s",
            [member.pk, c.pk],
        )
    assert pairing_figures(user=worker).covered == LedgerEntry.objects.count() >= 8
    assert_kept(users, city)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE livelihood_pairing SET ended_at = updated_at WHERE id IN (SELECT id FROM livelihood_pairing ORDER BY id LIMIT 3)"
        )
    assert_kept(users, city)


def test_kept_through_the_demo(users, city):
    from fangkong.livelihood.synthetic import livelihood_generate

    for i in range(6):
        make_person(city.home.household, f"老人{i}", tags=["elderly_alone"])
    livelihood_generate(seed=1, communities=2)
    assert Pairing.objects.exists()
    assert_kept(users, city)


def test_truncate_empties_the_figures(users, city, worker, member, entry, paired):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE: its deletes fire the row triggers")
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys' checks, pending since the pairing
        cur.execute("TRUNCATE livelihood_pairing")
    assert_kept(users, city)
    assert PairCount.objects.filter(live__gt=0).count() == 0


def test_without_the_triggers_the_figures_go_stale(users, city, worker, entry):
    """The check above fails once the triggers are gone (dropped in the test's transaction); the
    command reports it and rebuilds."""
    names = [f"livelihood_figures_entries_{op}" for op in ("ins", "upd", "del")]
    with connection.cursor() as cur:
        for name in names:
            cur.execute(f"DROP TRIGGER {name} ON livelihood_ledgerentry" if connection.vendor == "postgresql" else f"DROP TRIGGER {name}")
    _entry(worker, city.home.household, "周大爷")
    assert figures_differ() != []
    assert pairing_figures(user=worker) != counted(worker)
    with pytest.raises(CommandError):
        call_command("ledger_figures")
    call_command("ledger_figures", "--rebuild")
    assert_kept(users, city)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("first", ["close", "pair"])
def test_a_pair_written_while_its_entry_is_closed_is_counted_once(users, city, member, entry, first):
    """Two transactions at once, neither through the services (which lock the entry themselves): one
    closes the entry, the other pairs it. Whichever writes first, the other sees it (the pairing
    trigger's FOR SHARE on the entry); without that lock the pair stays counted for a closed entry."""
    import threading
    import time

    from django.db import transaction

    wrote = threading.Event()
    errors: list[BaseException] = []

    def close() -> None:
        try:
            if first == "pair":
                wrote.wait(10)
            with transaction.atomic():
                LedgerEntry.objects.filter(pk=entry.pk).update(status=EntryStatus.CLOSED)
                if first == "close":
                    wrote.set()
                    time.sleep(0.5)  # the other inserts its pair meanwhile
        except BaseException as exc:  # noqa: BLE001 — asserted on
            errors.append(exc)
        finally:
            connection.close()

    def pair_it() -> None:
        try:
            if first == "close":
                wrote.wait(10)
            with transaction.atomic():
                Pairing.objects.create(member_id=member.pk, entry_id=entry.pk)
                if first == "pair":
                    wrote.set()
                    time.sleep(0.5)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=close), threading.Thread(target=pair_it)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert figures_differ() == []
    assert PairCount.objects.filter(live__gt=0).count() == 0 and pairing_figures(user=users["command"]).covered == 0


@pytest.mark.postgres
def test_the_triggers_upsert_in_key_order():
    """Each upsert of the PostgreSQL triggers takes its grouped rows in key order, so two statements
    touching several of the same figures lock them in one order (no deadlock between them)."""
    import re

    with connection.cursor() as cur:
        cur.execute("SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'livelihood_figures_%' AND proname NOT LIKE '%truncated'")
        functions = dict(cur.fetchall())
    assert len(functions) == 6
    for name, source in functions.items():
        upserts = re.findall(r"INSERT INTO \w+ \(([^)]*)\)(.*?)ON CONFLICT", source)
        assert upserts, name
        for columns, select in upserts:
            keys = [c.strip() for c in columns.split(",")][:-1]
            assert select.rstrip().endswith("ORDER BY " + ", ".join(str(i) for i in range(1, len(keys) + 1))) or select.rstrip().endswith(
                "ORDER BY " + ", ".join(keys)
            ), (name, select[-80:])
