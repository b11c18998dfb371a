"""The client's address, one way for the whole platform (sign-in throttling, the audit log).

Behind a reverse proxy (nginx, the city's gateway) REMOTE_ADDR is the proxy's. Only when it is one
of settings.FANGKONG_TRUSTED_PROXIES is X-Forwarded-For read, from the right: the first address
that is not a trusted proxy is the client. A client cannot forge its way past that, since the
proxy appends the address it saw. Without trusted proxies the header is ignored.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: Any) -> str | None:
    if request is None:
        return None
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    trusted = set(getattr(settings, "FANGKONG_TRUSTED_PROXIES", ()))
    if remote is None or remote not in trusted:
        return remote
    forwarded = [a for a in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if a.strip()]
    for candidate in reversed(forwarded):
        address = _valid(candidate)
        if address is None:
            return remote  # a mangled header: count the proxy, never a made-up address
        if address not in trusted:
            return address
    return remote


def address_block(address: str | None) -> str | None:
    """The unit counted for an address: the address itself (IPv4), its /64 network (IPv6, where
    one client holds a whole /64)."""
    if not address:
        return None
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
