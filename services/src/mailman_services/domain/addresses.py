"""Email addresses: parsing and validating recipients (``a@b.c`` or ``Name <a@b.c>``), and routing by them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from email.utils import getaddresses

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS_RE = re.compile(rf"^{_LOCAL}@{_LABEL}(?:\.{_LABEL})+$")
DOMAIN_RE = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})+$")
LOCAL_PART_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")


def is_address(value: str) -> bool:
    return len(value) <= 254 and ADDRESS_RE.match(value) is not None


def normalise_address(value: str) -> str:
    """Domains are case-insensitive; local parts are kept, except that we lower-case the whole address
    the way every mainstream provider treats it."""
    return value.strip().lower()


def base_address(address: str) -> str:
    """``local+tag@domain`` reaches ``local@domain``; addresses compare case-insensitively."""
    local, _, domain = address.strip().strip("<>").lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def routed(recipients: Iterable[str], inbox_ids: Mapping[str, str]) -> list[str]:
    """The inboxes mail for these envelope recipients reaches, each once; ``inbox_ids`` by base address."""
    return [inbox_ids[a] for a in sorted({base_address(r) for r in recipients}) if a in inbox_ids]


def parse_recipient(value: str) -> dict[str, str | None] | None:
    """``{"name", "address"}`` for one recipient, or None when it is not a single valid address."""
    if "\r" in value or "\n" in value or len(value) > 998:
        return None
    parsed = getaddresses([value])
    if len(parsed) != 1:
        return None
    name, address = parsed[0]
    if not is_address(address):
        return None
    return {"name": name or None, "address": normalise_address(address)}


def normalise_domain(name: str) -> str:
    """Domain names compare in lower case, without the root's trailing dot."""
    return name.strip().lower().rstrip(".")


def is_domain(value: str) -> bool:
    return DOMAIN_RE.match(value) is not None
