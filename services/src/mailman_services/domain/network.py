"""Where webhook URLs may point: in the aws backend only at public addresses (no SSRF into the VPC)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

# IPv6 forms that carry an IPv4 address in their last 32 bits and reach it: a gateway or the host's own stack
# translates them, so only the IPv4 address says where the connection ends up.
_CARRY_IPV4 = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (RFC 4291, deprecated); also :: and ::1
)
# A network's own NAT64 translator (RFC 8215): it reaches that network's IPv4 addresses, never public by itself.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def is_public(address: str) -> bool:
    """Whether ``address`` (as getaddrinfo gives it, maybe with a ``%scope``) is globally routable; an IPv6
    address embedding an IPv4 one (mapped, 6to4, NAT64, compatible, translated) is judged by the IPv4 one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _LOCAL_NAT64:
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and any(ip in network for network in _CARRY_IPV4):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return embedded.is_global
    return ip.is_global


def private_addresses(url: str) -> list[str]:
    """The addresses ``url``'s host resolves to that are not public (``is_public``); a host that does not
    resolve counts as its name, so it is refused too."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return [host]
    addresses = {str(info[4][0]).split("%", 1)[0] for info in infos}
    return sorted(a for a in addresses if not is_public(a))
