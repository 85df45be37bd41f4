"""Which addresses count as public for aws-backend webhooks: IPv6 forms embedding IPv4 are judged by the IPv4."""

from __future__ import annotations

import ipaddress

import pytest
from mailman_services.domain.network import is_public, private_addresses

EMBEDDING_PRIVATE = [
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the instance metadata service
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "::127.0.0.1",  # IPv4-compatible
    "::10.1.2.3",
    "::ffff:0:127.0.0.1",  # IPv4-translated
    "::ffff:0:172.16.0.1",
    "64:ff9b:1::808:808",  # a local NAT64 (RFC 8215), whatever it embeds
]
EMBEDDING_PUBLIC = [
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
    "::8.8.8.8",
    "::ffff:0:8.8.8.8",
]


@pytest.mark.parametrize("address", EMBEDDING_PRIVATE)
def test_an_ipv6_address_embedding_a_private_ipv4_one_is_not_public(address: str) -> None:
    assert not is_public(address)
    [refused] = private_addresses(f"http://[{address}]/hook")  # refused at creation
    assert ipaddress.ip_address(refused) == ipaddress.ip_address(address)


@pytest.mark.parametrize("address", [*EMBEDDING_PUBLIC, "2606:4700:4700::1111", "93.184.216.34"])
def test_a_public_address_or_an_ipv6_one_embedding_it_is_public(address: str) -> None:
    assert is_public(address)
    assert private_addresses(f"http://[{address}]/hook" if ":" in address else f"http://{address}/") == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "::1", "::", "fe80::1%eth0", "fd00::2"])
def test_plain_private_addresses_stay_private(address: str) -> None:
    assert not is_public(address)
