"""The shared cache on Redis (settings.CACHES in production), with one Redis client per connection pool.

Django's RedisCache makes a new `redis.Redis` for every operation, and each one builds its tables of
response callbacks afresh: ~0.1 ms of CPU per cache read, 4 times the read itself (measured,
bench/README.md "zoning.py"). A public page reads the cache 3 times (the rate limit twice, the public
list's generation once), so this was most of what it cost. A client is safe to share between threads
and across a fork: the connections are its pool's, and the pool reconnects in a forked worker."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClients(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClients
