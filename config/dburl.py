"""DATABASE_URL and DATABASE_REPLICA_URL → Django's DATABASES entries (dj_database_url), with one
addition: several hosts in one URL, libpq's failover form
`postgres://user@host1:5433,host2:5435/fangkong?target_session_attrs=read-write` (docs/operator-guide.md
§7b). libpq tries the hosts in order and keeps the first that accepts writes; after a promote the
application finds the new primary on its next connection without a change of settings."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url


def parse(url: str, **kwargs: Any) -> dict[str, Any]:
    parts = urlsplit(url)
    userinfo, _, hosts = parts.netloc.rpartition("@")
    if "," not in hosts:
        return dj_database_url.parse(url, **kwargs)
    pairs = [h.rsplit(":", 1) if ":" in h else [h, ""] for h in hosts.split(",")]
    first = f"{userinfo}@{pairs[0][0]}" if userinfo else pairs[0][0]
    config = dj_database_url.parse(urlunsplit(parts._replace(netloc=first)), **kwargs)
    config["HOST"] = ",".join(h for h, _p in pairs)
    config["PORT"] = ",".join(p or "5432" for _h, p in pairs)
    return config


def cache_prefix(database: dict[str, Any]) -> str:
    """The cache's KEY_PREFIX for a deployment: derived from its database (engine, hosts, ports, name),
    so two deployments sharing one Redis (staging and production, two cities) never read each other's
    entries — the signed-in account cached for user 42 of one database is not user 42 of another
    (decision 0012, docs/security.md §2.19)."""
    identity = "|".join(str(database.get(k, "")) for k in ("ENGINE", "HOST", "PORT", "NAME"))
    return "fk-" + hashlib.sha256(identity.encode()).hexdigest()[:10]
