"""The signed-in account as every request reads it: the user row and the jurisdiction built from its
grants and places, kept in the shared cache (Redis in production) between requests.

Without it each signed-in request read the user, their grants and the granted places (3 round trips,
plus a fourth for a grid's buildings) before its view ran. Now one cache read answers them, checked
against generation tokens (fangkong.core.generations, decision 0012, docs/security.md):

- "account:<pk>", bumped by every save or delete of the user (role, active flag, password, name …;
  not the last-login stamp alone) and of any of their grants — the account services, the admin, the
  demo accounts command and anything else that saves through the ORM (`watch_accounts`), and by any
  bulk write to the grant table (`table:accounts_grant`, which every account's entry is checked
  against too);
- "table:<place table>" for the districts, streets, communities, grids and buildings a jurisdiction
  is built from (a deleted place grants nothing, a grid's buildings give the compounds a grid worker
  may browse): bumped by their saves and deletes and by every bulk write (core.bulk, the registry's
  clearing).

A revoked grant or a deactivated account therefore takes effect on the very next request. When the
cache cannot be reached the request reads the database as before.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from typing import Any

import django
from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import post_delete, post_migrate, post_save

from fangkong.core import generations

from .jurisdiction import build_jurisdiction
from .models import Grant, User

log = logging.getLogger(__name__)

ENTRY_PREFIX = "fk:signed-in:"
# Short on purpose: an entry is checked against its tokens on every read, but if the bump after a
# change's commit cannot reach the cache (the one before it did), an entry built in between would
# live as long as this. Ten minutes bounds that double fault; one database read per user per ten
# minutes is the price.
ENTRY_SECONDS = 10 * 60
# Bumped after every `migrate` (post_migrate): a data migration writes users, grants or places through
# historical models, whose saves reach no receiver here.
SCHEMA_GENERATION = "schema"
PLACE_MODELS = ("District", "Street", "Community", "Grid", "Building")


@functools.cache
def _shape() -> str:
    """The user table's columns and Django's version, in the entry's key: after a deploy that changes
    either, the entries pickled before are not read (a missing column would be read lazily, one
    query at a time, and Django warns about pickles of another version)."""
    columns = ",".join(f.column for f in User._meta.concrete_fields)
    return hashlib.sha256(f"{django.get_version()}|{columns}".encode()).hexdigest()[:12]


def account_generation(pk: Any) -> str:
    return f"account:{pk}"


def _watched_names(pk: Any) -> list[str]:
    names = [account_generation(pk), SCHEMA_GENERATION, generations.table_name(Grant)]
    return names + [generations.table_name(apps.get_model("geo", m)) for m in PLACE_MODELS]


def signed_in_user(pk: Any) -> User | None:
    """The user `pk` with their jurisdiction already built (None: no such user): from the cache when
    nothing it depends on changed since it was cached, else from the database (and cached)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    entry_key = f"{ENTRY_PREFIX}{_shape()}:{pk}"
    names = _watched_names(pk)
    found = generations.tokens(names, extra=[entry_key])
    if found is not None:
        current, extra = found
        entry = extra.get(entry_key)
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == current:
            return entry[1]
    user = User._default_manager.filter(pk=pk).first()
    if user is None:
        return None
    user.__dict__["jurisdiction"] = build_jurisdiction(user)  # User.jurisdiction is a cached_property
    if found is not None:
        try:
            # Stored beside the tokens read *before* the database: a change that committed after
            # that read has replaced at least one of them, so this entry is never used.
            cache.set(entry_key, (found[0], user), ENTRY_SECONDS)
        except Exception:  # noqa: BLE001 - the cache is only a shortcut
            log.warning("signed_in: the cache could not be written", exc_info=True)
    return user


def account_changed(pk: Any) -> None:
    """The user row or grants of `pk` were written outside a save or delete (a queryset update)."""
    generations.bump(account_generation(pk))


def _user_changed(sender: type, instance: User, update_fields: Any = None, **_kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return  # signing in stamps the time: nothing a request decides on
    account_changed(instance.pk)


def _grant_changed(sender: type, instance: Grant, **_kwargs: Any) -> None:
    account_changed(instance.user_id)


def _migrated(**_kwargs: Any) -> None:
    try:
        generations.bump(SCHEMA_GENERATION)
    except Exception:  # noqa: BLE001 - no cache reachable while migrating: entries expire within ENTRY_SECONDS
        log.warning("signed_in: the cache could not be told about the migration", exc_info=True)


def watch_accounts() -> None:
    """AccountsConfig.ready(): the saves and deletes that change what `signed_in_user` caches."""
    post_migrate.connect(_migrated, dispatch_uid="signed_in:migrated")
    post_save.connect(_user_changed, sender=User, dispatch_uid="signed_in:user_saved")
    post_delete.connect(_user_changed, sender=User, dispatch_uid="signed_in:user_deleted")
    post_save.connect(_grant_changed, sender=Grant, dispatch_uid="signed_in:grant_saved")
    post_delete.connect(_grant_changed, sender=Grant, dispatch_uid="signed_in:grant_deleted")
    generations.watch(Grant)  # a bulk write to the grants (table_written) reaches every account
    generations.watch(*(apps.get_model("geo", m) for m in PLACE_MODELS))
