"""Inboxes: an address on a domain, created with a chosen or random local part."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..db.engine import Database
from ..db.schema import domains, inboxes
from ..domain.addresses import LOCAL_PART_RE
from ..domain.errors import APIError, invalid, not_found
from ..domain.ids import ALPHABET, new_id
from ..ports import BlobStore
from . import deletion, views


def random_local_part() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(12))


async def create(
    database: Database,
    *,
    domain_id: str | None,
    local_part: str | None,
    name: str | None,
    retention_days: int | None,
    default_domain: str | None,
) -> dict[str, Any]:
    """A new inbox; ``retention_days`` is already the deployment's default when the caller left it out."""
    async with database.transaction() as conn:
        if domain_id is not None:
            domain = (await conn.execute(select(domains).where(domains.c.id == domain_id))).first()
            if domain is None:
                raise invalid("domain_id", f"no domain with id {domain_id!r}")
        else:
            if default_domain is None:
                raise invalid("domain_id", "is required: this deployment has no default domain")
            domain = (await conn.execute(select(domains).where(domains.c.name == default_domain))).first()
            if domain is None:
                raise invalid("domain_id", f"is required: the default domain {default_domain} is not registered")
        if local_part is not None:
            local_part = local_part.lower()
            if not LOCAL_PART_RE.match(local_part):
                raise invalid(
                    "local_part",
                    "use lowercase letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
                )
        for _ in range(5):
            part = local_part or random_local_part()
            row = (
                await conn.execute(
                    pg_insert(inboxes)
                    .values(
                        id=new_id("inb"),
                        domain_id=domain.id,
                        local_part=part,
                        address=f"{part}@{domain.name}",
                        name=name,
                        retention_days=retention_days,
                    )
                    .on_conflict_do_nothing()
                    .returning(inboxes)
                )
            ).first()
            if row is not None:
                return views.inbox(row)
            if local_part is not None:
                break
        raise APIError(409, "inbox_address_taken", f"{local_part}@{domain.name} is already an inbox.")


UPDATABLE = ("name", "retention_days")


async def update_inbox(database: Database, inbox_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Set the fields ``changes`` names (of ``UPDATABLE``); a shorter ``retention_days`` applies at the worker's
    next purge."""
    async with database.transaction() as conn:
        row = (
            await conn.execute(
                update(inboxes).where(inboxes.c.id == inbox_id).values(**dict(changes)).returning(inboxes)
            )
        ).first()
        if row is None:
            raise not_found("inbox", inbox_id)
        return views.inbox(row)


async def remove(database: Database, blobs: BlobStore, inbox_id: str) -> None:
    """Delete the inbox with all its mail, as deleting each message does (handlers/deletion.py)."""
    await deletion.delete_inbox(database, blobs, inbox_id)
