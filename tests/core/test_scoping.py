"""Scoping fails closed: each role sees its grants and the ancestors it browses through, nothing more."""

from fangkong.core.permissions import capabilities_of
from fangkong.core.scoping import CITY_WIDE
from fangkong.geo.models import Community, Compound, District, Household, Person, Street


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_command_centre_sees_the_whole_city(city, users):
    assert Person.objects.visible_to(users["command"]).count() == 4


def test_the_systems_city_wide_reader_reads_as_the_command_centre_and_owns_nothing(city, users):
    """One city-wide reader (the flags' evaluation, the demo's daily reports): the city's rows and the
    command centre's capabilities, so a read that asks a capability answers as for the command."""
    command = users["command"]
    assert capabilities_of(CITY_WIDE) == capabilities_of(command) != frozenset()
    assert Person.objects.visible_to(CITY_WIDE).count() == Person.objects.visible_to(command).count()
    assert CITY_WIDE.pk is None


def test_user_without_grant_sees_nothing(city, users):
    u = users["nogrant"]
    for model in (District, Street, Community, Compound, Household, Person):
        assert not model.objects.visible_to(u).exists(), model


def test_anonymous_sees_nothing(city):
    from django.contrib.auth.models import AnonymousUser

    assert not Person.objects.visible_to(AnonymousUser()).exists()


def test_community_worker_sees_own_community_and_its_ancestors(city, users):
    u = users["community"]
    assert names(Person.objects.visible_to(u)) == ["李建国", "王秀英", "赵敏"]
    assert names(District.objects.visible_to(u)) == ["新城区"]
    assert names(Street.objects.visible_to(u)) == ["中山东路街道"]
    assert names(Community.objects.visible_to(u)) == ["迎宾南路社区"]
    assert not Household.objects.visible_to(u).filter(pk=city.elsewhere.household.pk).exists()


def test_grid_worker_sees_only_the_grid(city, users):
    u = users["grid"]
    assert names(Person.objects.visible_to(u)) == ["李建国", "王秀英"]
    assert names(Compound.objects.visible_to(u)) == ["迎宾小区"]
    assert list(Household.objects.visible_to(u).values_list("number", flat=True)) == ["101"]


def test_covered_by_excludes_reachable_ancestors(city, users):
    u = users["community"]
    assert District.objects.visible_to(u).count() == 1
    assert District.objects.covered_by(u).count() == 0
