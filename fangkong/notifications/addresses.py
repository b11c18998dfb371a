"""Where an outgoing webhook may be sent: a public address only. The worker sits inside the
platform's network, so a receiver URL naming (or a name resolving to) the machine itself, the
private network, the cloud's metadata service (169.254.169.254) or any other non-public address
would make it a client of internal services. Such a receiver is refused when the webhook is saved
(`Webhook.clean`: an address written in the URL) and again right before each POST (every address
the name resolves to; the POST then connects to the address checked, not to a second look-up). A
receiver inside the network is allowed only by name in FANGKONG_WEBHOOK_ALLOWED_HOSTS (the
operator's, not the admin's, decision: docs/operator-guide.md §10)."""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings
from django.utils.translation import gettext as _

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: its last 32 bits are an IPv4 address


class RefusedAddress(Exception):
    """The receiver's host is, or resolves to, an address the worker may not post to."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _normal(host: str) -> str:
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def _allowed() -> frozenset[str]:
    return frozenset(_normal(h) for h in settings.FANGKONG_WEBHOOK_ALLOWED_HOSTS)


def host_allowed(host: str) -> bool:
    """The operator named this host — a name as written in the URL, or an address — as an internal
    receiver. A name allowed is posted to whatever it resolves to; an address allowed is accepted
    wherever it comes from (written in the URL or resolved from a name)."""
    return _normal(host) in _allowed()


def internal(ip: Address) -> bool:
    """Loopback, private, link-local, site-local, shared (100.64/10), reserved, multicast or
    unspecified — anything but a public unicast address, also when an IPv6 form carries an IPv4
    one (::ffff:a.b.c.d, 6to4, NAT64)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if embedded is not None:
            return internal(embedded)
        if ip.is_site_local:
            return True
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global


def literal(host: str) -> Address | None:
    """The address a host written as one stands for — also the legacy IPv4 forms the resolver
    accepts (127.1, 0x7f000001, 2130706433); None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def host_refusal(host: str) -> str | None:
    """Why a receiver host written in a URL is refused when the webhook is saved, or None. A name
    is not resolved here (its addresses may change; they are checked at each POST), except the
    machine's own names."""
    if host_allowed(host):
        return None
    name = host.rstrip(".").lower()
    ip = literal(name)
    if (ip is not None and internal(ip)) or name == "localhost" or name.endswith(".localhost"):
        return _("接收地址不能是本机、内网或保留地址（%(host)s）；内网接收方须由运维列入 FANGKONG_WEBHOOK_ALLOWED_HOSTS") % {"host": host}
    return None


def checked_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to for `host`, each checked, in the resolver's order; raises
    RefusedAddress when one of them is internal (and neither the host nor that address is allowed),
    OSError when the name does not resolve."""
    found = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if host_allowed(host):
        return addresses
    allowed = _allowed()
    for address in addresses:
        if internal(ipaddress.ip_address(address)) and _normal(address) not in allowed:
            raise RefusedAddress(
                _("%(host)s 解析为内部地址 %(address)s，未发送；内网接收方须由运维列入 FANGKONG_WEBHOOK_ALLOWED_HOSTS")
                % {"host": host, "address": address}
            )
    return addresses
