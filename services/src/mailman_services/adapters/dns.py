"""DomainAuthority for the local backend: the records a self-run SMTP listener needs, checked with dnspython."""

from __future__ import annotations

import re

import dns.asyncresolver
import dns.exception
import dns.resolver

from ..ports import DnsRecord

_MISSING = (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers, dns.exception.Timeout)


def _normalise(value: str) -> str:
    return " ".join(value.strip().rstrip(".").lower().split())


def _txt_kind(value: str) -> str:
    """``v=spf1``, ``v=dmarc1`` or ``mailman-verification``: what a TXT record is for."""
    head = re.split(r"[ ;]", value, maxsplit=1)[0]
    return head.split("=", 1)[0] if not head.startswith("v=") else head


class DnsDomainAuthority:
    def __init__(self, smtp_hostname: str, resolver: tuple[str, int] | None) -> None:
        self.smtp_hostname = smtp_hostname
        self.resolver = dns.asyncresolver.Resolver(configure=resolver is None)
        if resolver is not None:
            self.resolver.nameservers = [resolver[0]]
            self.resolver.port = resolver[1]
        self.resolver.lifetime = 3.0

    async def records(self, name: str, verification_token: str) -> list[DnsRecord]:
        return [
            {"type": "MX", "name": name, "value": self.smtp_hostname, "priority": 10, "status": "missing"},
            {"type": "TXT", "name": name, "value": "v=spf1 mx -all", "priority": None, "status": "missing"},
            {
                "type": "TXT",
                "name": f"_dmarc.{name}",
                "value": "v=DMARC1; p=none",
                "priority": None,
                "status": "missing",
            },
            {
                "type": "TXT",
                "name": f"_mailman.{name}",
                "value": f"mailman-verification={verification_token}",
                "priority": None,
                "status": "missing",
            },
        ]

    async def _answers(self, record: DnsRecord) -> list[str] | None:
        try:
            answer = await self.resolver.resolve(record["name"], record["type"])
        except _MISSING:
            return None
        if record["type"] == "MX":
            return [_normalise(str(rr.exchange)) for rr in answer]
        if record["type"] == "TXT":
            return [_normalise(b"".join(rr.strings).decode(errors="replace")) for rr in answer]
        return [_normalise(str(rr.target)) for rr in answer]

    async def check(self, name: str, records: list[DnsRecord]) -> list[DnsRecord]:
        checked: list[DnsRecord] = []
        for record in records:
            answers = await self._answers(record)
            expected = _normalise(record["value"])
            if answers is None:
                status = "missing"
            elif expected in answers:
                status = "valid"
            elif record["type"] == "TXT":
                # Other TXT records may share the name; only a record of the same kind that differs is wrong.
                kind = _txt_kind(expected)
                status = "invalid" if any(_txt_kind(a) == kind for a in answers) else "missing"
            else:
                status = "invalid"
            checked.append({**record, "status": status})  # type: ignore[typeddict-item]
        return checked
