"""The Redis cache keeps one client per connection pool (fangkong.core.rediscache): Django's makes a
new one for every operation. No server is needed: a client connects on its first command."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from fangkong.core.rediscache import RedisCache


def test_one_client_per_pool_reused_for_reads_and_writes():
    cache = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "t"})
    client = cache._cache.get_client()
    assert client is cache._cache.get_client("key") is cache._cache.get_client(write=True)
    assert client.connection_pool is cache._cache._get_connection_pool(False)
    django_s = DjangoRedisCache("redis://127.0.0.1:6379/15", {})
    assert django_s._cache.get_client() is not django_s._cache.get_client()  # what this replaces


def test_each_server_has_its_own_client():
    cache = RedisCache("redis://127.0.0.1:6379/15,redis://127.0.0.1:6379/14", {})
    writer, reader = cache._cache.get_client(write=True), cache._cache.get_client()
    assert writer is not reader and writer.connection_pool is not reader.connection_pool
    assert writer is cache._cache.get_client(write=True) and reader is cache._cache.get_client()
