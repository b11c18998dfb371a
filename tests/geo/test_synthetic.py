"""The synthetic city: the size asked for, valid IDs, consistent ancestry and tags, determinism."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fangkong.audit.catalogue import EventType
from fangkong.audit.models import AuditEvent
from fangkong.core.crypto import decrypt, mask_id_number
from fangkong.geo.birth import person_birth_date
from fangkong.geo.idnumbers import parse_resident_id
from fangkong.geo.models import Building, Community, Grid, GridWorker, Household, Person, PersonTag, Street, Unit
from fangkong.geo.synthetic import TAG_RULES, RegistryNotEmpty, age_on, city_generate

pytestmark = pytest.mark.django_db

PEOPLE = 2_000


@pytest.fixture
def city():
    return city_generate(actor=None, people=PEOPLE, seed=11)


def test_makes_the_number_of_people_asked_for(city):
    assert city.people == PEOPLE
    assert Person.objects.count() == PEOPLE
    event = AuditEvent.objects.get(event_type=EventType.CITY_GENERATED)
    assert event.count == PEOPLE
    assert event.after["seed"] == 11


def test_id_numbers_are_valid_unique_and_agree_with_sex_and_birth_date(city):
    numbers = set()
    for person in Person.objects.all():
        number = decrypt(person.id_cipher)
        facts = parse_resident_id(number)
        assert facts.sex == person.sex
        assert person_birth_date(person) == facts.birth_date
        assert person.birth_year <= facts.birth_date.year <= person.birth_year_to and not person.birth_cipher
        assert person.id_masked == mask_id_number(number)
        assert person.id_tail == number[-4:]
        numbers.add(number)
    assert len(numbers) == PEOPLE
    regions = Counter(n[:6] for n in numbers)
    local = sum(c for code, c in regions.items() if code.startswith("1501"))
    assert local / PEOPLE > 0.6  # most born in Hohhot
    assert any(not code.startswith("15") for code in regions)  # some born in other provinces


def test_people_and_places_carry_consistent_ancestors(city):
    households = {h.pk: h for h in Household.objects.all()}
    units = {u.pk: u for u in Unit.objects.all()}
    buildings = {b.pk: b for b in Building.objects.all()}
    for person in Person.objects.all():
        h = households[person.household_id]
        assert (person.district_id, person.street_id, person.community_id, person.grid_id) == (
            h.district_id,
            h.street_id,
            h.community_id,
            h.grid_id,
        )
    for h in households.values():
        u = units[h.unit_id]
        assert (h.district_id, h.street_id, h.community_id, h.compound_id, h.building_id, h.grid_id) == (
            u.district_id,
            u.street_id,
            u.community_id,
            u.compound_id,
            u.building_id,
            u.grid_id,
        )
    grids = {g.pk: g for g in Grid.objects.all()}
    for u in units.values():
        assert u.grid_id == buildings[u.building_id].grid_id
    for b in buildings.values():
        assert b.grid_id is not None, "every building belongs to a grid"
        assert grids[b.grid_id].community_id == b.community_id
        assert b.compound.community_id == b.community_id
    for street in Street.objects.all():
        assert street.district_id is not None
    for community in Community.objects.all():
        assert community.district_id == community.street.district_id


def test_sizes_are_realistic(city):
    sizes = Counter(Person.objects.values_list("household_id", flat=True))
    assert set(sizes.values()) <= {1, 2, 3, 4, 5, 6}
    assert 2.3 <= PEOPLE / len(sizes) <= 3.1
    for grid in Grid.objects.all():
        workers = list(GridWorker.objects.filter(grid=grid))
        assert 1 <= len(workers) <= 2
        assert all(w.name and re.fullmatch(r"1[3-9]\d{9}", w.phone) for w in workers)
    assert re.fullmatch(r"\d{3,4}|\d+号", Household.objects.first().number)
    this_year = timezone.localdate().year
    ages = [this_year - y for y in Person.objects.values_list("birth_year_to", flat=True)]  # age by birth year
    assert min(ages) >= 0 and max(ages) <= 95
    assert 0.08 < sum(a < 15 for a in ages) / PEOPLE < 0.3
    assert 0.1 < sum(a >= 60 for a in ages) / PEOPLE < 0.4


def test_phones_are_valid_mobiles_for_most_adults(city):
    today = timezone.localdate()
    adults = [p for p in Person.objects.all() if age_on(person_birth_date(p), today) >= 18]
    with_phone = [p for p in adults if p.phone_cipher]
    assert len(with_phone) / len(adults) > 0.8
    for p in with_phone[:200]:
        assert re.fullmatch(r"1[3-9]\d{9}", decrypt(p.phone_cipher))


def test_tags_agree_with_age_sex_and_household(city):
    """Ages by birth year (the year kept in clear): a tag that followed the exact age would tell on
    which side of the as-of day a birthday falls (decision 0005)."""
    this_year = timezone.localdate().year
    sizes = Counter(Person.objects.values_list("household_id", flat=True))
    tagged = PersonTag.objects.select_related("person")
    assert tagged.exists()
    for pt in tagged:
        rule = TAG_RULES[pt.tag]
        age = this_year - person_birth_date(pt.person).year
        assert rule.min_age <= age <= rule.max_age, (pt.tag, age)
        if rule.sex:
            assert pt.person.sex == rule.sex
        if rule.household_size:
            assert sizes[pt.person.household_id] == rule.household_size
    counts = Counter(PersonTag.objects.values_list("tag", flat=True))
    assert counts["dibao"] / PEOPLE < 0.08


def test_the_real_community_is_there(city):
    community = Community.objects.get(name="迎宾南路社区")
    assert community.street.name == "中山东路街道"
    assert community.district.code == "150102"
    assert Person.objects.filter(community=community).exists()
    assert Grid.objects.filter(community=community).exists()


def test_same_seed_same_city():
    def snapshot():
        return list(Person.objects.order_by("id").values_list("name", "id_masked", "sex", "birth_year", "birth_year_to"))

    city_generate(actor=None, people=800, seed=5)
    first = snapshot()
    places = list(Household.objects.order_by("id").values_list("compound__name", "building__name", "unit__name", "number"))
    city_generate(actor=None, people=800, seed=5, replace=True)
    assert snapshot() == first
    assert list(Household.objects.order_by("id").values_list("compound__name", "building__name", "unit__name", "number")) == places
    city_generate(actor=None, people=800, seed=6, replace=True)
    assert snapshot() != first
    assert Person.objects.count() == 800


def test_refuses_a_registry_with_people_unless_replace(city):
    with pytest.raises(RegistryNotEmpty):
        city_generate(actor=None, people=100, seed=1)
    with pytest.raises(CommandError, match="--replace"):
        call_command("make_city", "--people", "100", "--seed", "1", "--no-progress")
    assert Person.objects.count() == PEOPLE
    call_command("make_city", "--people", "300", "--seed", "1", "--replace", "--no-progress", verbosity=0)
    assert Person.objects.count() == 300
    assert Community.objects.filter(name="迎宾南路社区").count() == 1
