"""Where webhook URLs may point: in the aws backend only at public addresses (no SSRF into the VPC)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def private_addresses(url: str) -> list[str]:
    """The addresses ``url``'s host resolves to that are not globally routable (private, loopback,
    link-local, reserved…); a host that does not resolve counts as its name, so it is refused too."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return [host]
    addresses = {str(info[4][0]).split("%", 1)[0] for info in infos}
    return sorted(a for a in addresses if not ipaddress.ip_address(a).is_global)
