"""The signed-in account (user row and jurisdiction) kept in the shared cache between requests
(fangkong.accounts.signed_in): read once, then from the cache — and every change to the account, its
grants or the places its jurisdiction is built on takes effect on the very next request.

Each attack warms the cache with a request the account may make, changes the account through one of
the paths that write it (the account services, the admin, the ORM, a queryset update, a bulk write),
then makes the same request again: it must be refused. Without the generation bump each of them
would be answered from the cached, stale jurisdiction."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.dburl import cache_prefix
from fangkong.accounts import services
from fangkong.accounts.models import Grant, User
from fangkong.accounts.reach import GrantSpec
from fangkong.accounts.signed_in import account_changed, signed_in_user
from fangkong.core import generations
from fangkong.core.bulk import BulkWriter
from fangkong.core.roles import Role
from fangkong.geo.models import Building, Grid, Person

pytestmark = pytest.mark.django_db


def person_url(city) -> str:
    return reverse("geo:person", args=[Person.objects.filter(household=city.home.household).order_by("pk").first().pk])


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def warmed(user, url: str) -> Client:
    """A browser of `user` whose account is now cached (its request was allowed)."""
    browser = signed_in(user)
    assert browser.get(url).status_code == 200
    assert browser.get(url).status_code == 200  # answered from the cache
    return browser


ACCOUNT_READS = ('FROM "accounts_grant"', 'FROM "accounts_user" WHERE "accounts_user"."id" =')


def account_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if any(read in q["sql"] for read in ACCOUNT_READS)]


def test_after_the_first_request_the_account_is_not_read_from_the_database(city, users):
    url = person_url(city)
    browser = signed_in(users["community"])
    with CaptureQueriesContext(connection) as first:
        assert browser.get(url).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert browser.get(url).status_code == 200
    assert account_reads(first.captured_queries)  # the user and the grants, once
    assert account_reads(second.captured_queries) == []
    assert len(second.captured_queries) <= len(first.captured_queries) - 3  # user, grants, the granted places


def test_a_grant_revoked_by_an_account_manager_ends_access_at_the_next_request(city, users):
    url = person_url(city)
    browser = warmed(users["community"], url)
    services.account_update(
        actor=users["admin"], account=users["community"], full_name="community", role=Role.COMMUNITY_WORKER,
        grants=[GrantSpec("community", city.elsewhere.community.pk)],
    )  # fmt: skip
    assert browser.get(url).status_code == 404


def test_a_deactivated_account_is_signed_out_at_the_next_request(city, users):
    url = person_url(city)
    browser = warmed(users["community"], url)
    services.account_set_active(actor=users["admin"], account=users["community"], active=False)
    answer = browser.get(url)
    assert answer.status_code == 302 and reverse("accounts:login") in answer["Location"]


def test_a_role_taken_away_ends_its_pages_at_the_next_request(city, users):
    url = person_url(city)
    browser = warmed(users["community"], url)
    services.account_update(
        actor=users["admin"], account=users["community"], full_name="community", role=Role.AUDITOR,
        grants=[GrantSpec("community", city.home.community.pk)],
    )  # fmt: skip
    assert browser.get(url).status_code == 403


def test_a_grant_deleted_in_the_admin_ends_access_at_the_next_request(city, users, django_user_model):
    url = person_url(city)
    victim = users["community"]
    browser = warmed(victim, url)
    grant = Grant.objects.get(user=victim)
    admin = signed_in(django_user_model.objects.create_superuser("root", password="pass-word-1"))
    change = reverse("admin:accounts_user_change", args=[victim.pk])
    form = admin.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (list, tuple))}
    data.update({"username": victim.username, "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    data.update({"grants-TOTAL_FORMS": "1", "grants-INITIAL_FORMS": "1", "grants-MIN_NUM_FORMS": "0", "grants-MAX_NUM_FORMS": "1000"})
    data.update({"grants-0-id": grant.pk, "grants-0-user": victim.pk, "grants-0-level": grant.level, "grants-0-place_id": grant.place_id})
    data.update({"grants-0-facility_kind": "", "grants-0-DELETE": "on"})
    data.pop("password", None)
    data.pop("last_login", None)
    assert admin.post(change, data).status_code == 302
    assert not Grant.objects.filter(user=victim).exists()
    assert browser.get(url).status_code == 404


def test_grants_deleted_as_a_queryset_end_access_at_the_next_request(city, users):
    url = person_url(city)
    browser = warmed(users["community"], url)
    Grant.objects.filter(user=users["community"]).delete()
    assert browser.get(url).status_code == 404


def test_a_password_changed_elsewhere_ends_the_other_sessions_at_the_next_request(city, users):
    url = person_url(city)
    browser = warmed(users["community"], url)
    user = type(users["community"]).objects.get(pk=users["community"].pk)
    user.set_password("another-pass-word-2")
    user.save()
    assert browser.get(url).status_code == 302


def test_an_update_that_sends_no_signal_bumps_by_hand(city, users):
    """A queryset update (the demo accounts command's) sends no post_save: account_changed is the bump."""
    url = person_url(city)
    browser = warmed(users["community"], url)
    type(users["community"]).objects.filter(pk=users["community"].pk).update(is_active=False)
    account_changed(users["community"].pk)
    assert browser.get(url).status_code == 302


def test_a_building_moved_out_of_a_grid_leaves_the_grid_workers_reach(city, users):
    """A grid worker browses through the compounds holding their grid's buildings: the reach is cached
    with the account, and a building moved to another grid (a place save) takes its compound out."""
    compound = reverse("geo:place", args=["compound", city.home.compound.pk])
    browser = warmed(users["grid"], compound)
    e = city.elsewhere
    other = Grid.objects.create(district=e.district, street=e.street, community=e.community, name="X")
    Building.objects.filter(compound=city.home.compound).update(grid=other)  # no signal …
    generations.table_written(Building)  # … the bulk writers' bump (core.bulk)
    assert browser.get(compound).status_code == 404


def test_a_bulk_write_of_places_bumps_their_generation(city):
    before = generations.tokens([generations.table_name(Grid)])[0]
    d, s, c = city.elsewhere.district, city.elsewhere.street, city.elsewhere.community
    BulkWriter(Grid, ["created_at", "updated_at", "district_id", "street_id", "community_id", "name"]).write(
        [("2026-12-01 00:00:00+00", "2026-12-01 00:00:00+00", d.pk, s.pk, c.pk, "新网格")]
    )
    assert generations.tokens([generations.table_name(Grid)])[0] != before


def test_an_entry_built_from_a_read_that_a_change_overtook_is_never_used(city, users, monkeypatch):
    """The race a delete-on-change would lose: the request reads the tokens, then the grants; a revoke
    commits in between. What it stores carries the old tokens, so the next request reads afresh."""
    from fangkong.accounts import signed_in as module

    real = module.build_jurisdiction
    revoked = []

    def overtaken(user):
        found = real(user)  # read before the revoke …
        if not revoked:
            Grant.objects.filter(user=user).delete()  # … which commits before the entry is stored
            revoked.append(True)
        return found

    monkeypatch.setattr(module, "build_jurisdiction", overtaken)
    stale = signed_in_user(users["community"].pk)
    assert stale.jurisdiction.covered  # this request still saw the grant
    monkeypatch.setattr(module, "build_jurisdiction", real)
    assert signed_in_user(users["community"].pk).jurisdiction.is_empty


def test_without_the_cache_requests_read_the_database(city, users, monkeypatch):
    url = person_url(city)
    browser = warmed(users["community"], url)

    def unreachable(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    monkeypatch.setattr(cache, "set", unreachable)
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(url).status_code == 200
    assert account_reads(ctx.captured_queries)


def test_a_grant_change_that_cannot_reach_the_cache_is_refused(city, users, monkeypatch):
    """Fails closed: a revoke whose bump cannot be written is rolled back, not left half-applied."""

    def unreachable(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "set_many", unreachable)
    with pytest.raises(ConnectionError):
        services.account_update(
            actor=users["admin"], account=users["community"], full_name="community", role=Role.COMMUNITY_WORKER,
            grants=[GrantSpec("community", city.elsewhere.community.pk)],
        )  # fmt: skip
    assert Grant.objects.get(user=users["community"]).place_id == city.home.community.pk


def test_an_api_token_loses_a_revoked_grant_at_its_next_call(city, users):
    """API tokens read the same cached jurisdiction: a revoke reaches them on the next call too."""
    from rest_framework.test import APIClient

    key = APIClient().post("/api/token/", {"username": "community", "password": "pass-word-1"}, format="json").json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/communities/{city.home.community.pk}/"
    assert api.get(url).status_code == 200
    assert api.get(url).status_code == 200  # the jurisdiction from the cache
    services.account_update(
        actor=users["admin"], account=users["community"], full_name="community", role=Role.COMMUNITY_WORKER,
        grants=[GrantSpec("community", city.elsewhere.community.pk)],
    )  # fmt: skip
    assert api.get(url).status_code == 404


def test_two_deployments_sharing_one_cache_never_read_each_others_accounts(users):
    """Staging and production (or two cities) on one Redis: user 42 of one database is not user 42 of
    the other. Deployment A caches its active user; in B's database the same id is deactivated. With
    one prefix B would be answered from A's entry (shown first); with each database's own prefix
    (config.dburl.cache_prefix, the settings' KEY_PREFIX) B reads its own database."""
    user = users["community"]
    a = {"ENGINE": "django.db.backends.postgresql", "HOST": "db.internal", "PORT": "5432", "NAME": "city_a"}
    b = {**a, "NAME": "city_b"}
    one_server = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "one-redis-for-both"}

    def answered_as(database, warm=False):
        with override_settings(CACHES={"default": {**one_server, "KEY_PREFIX": cache_prefix(database)}}):
            if warm:
                signed_in_user(user.pk)
            return signed_in_user(user.pk)

    assert answered_as(a, warm=True).is_active
    User.objects.filter(pk=user.pk).update(is_active=False)  # B's row for the same id (no signal: another database)
    assert answered_as(a).is_active  # the attack path: an entry under the same prefix is used as it is
    assert cache_prefix(a) != cache_prefix(b)
    assert not answered_as(b).is_active


def test_a_migration_makes_every_cached_account_stale(users):
    """A data migration writes users or grants through historical models: no save signal reaches
    the receivers, so `migrate` itself bumps a generation every entry is checked against."""
    from django.core.management import call_command

    user = users["community"]
    assert signed_in_user(user.pk).is_active
    User.objects.filter(pk=user.pk).update(is_active=False)  # as a RunPython would, without signals
    assert signed_in_user(user.pk).is_active  # still cached: nothing told the cache
    call_command("migrate", verbosity=0)  # nothing to apply; post_migrate is sent all the same
    assert not signed_in_user(user.pk).is_active
