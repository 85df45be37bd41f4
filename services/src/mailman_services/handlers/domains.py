"""Domains: register, list, verify, delete; and the default domain created at start."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, exists, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ..db.schema import domains, inboxes
from ..domain.addresses import is_domain
from ..domain.errors import APIError, invalid, not_found
from ..domain.ids import new_id
from ..ports import DomainAuthority
from . import views
from .events import record_event


def normalized(name: str) -> str:
    """Domain names compare in lower case, without the root's trailing dot."""
    return name.strip().lower().rstrip(".")


def list_query(name: str | None = None) -> Select[Any]:
    query = select(domains)
    return query if name is None else query.where(domains.c.name == normalized(name))


async def get(conn: AsyncConnection, domain_id: str) -> dict[str, Any]:
    row = (await conn.execute(select(domains).where(domains.c.id == domain_id))).first()
    if row is None:
        raise not_found("domain", domain_id)
    return views.domain(row)


async def create(conn: AsyncConnection, authority: DomainAuthority, name: str) -> dict[str, Any]:
    name = normalized(name)
    if not is_domain(name):
        raise invalid("name", "must be a domain name such as mail.example.com")
    if await conn.scalar(select(exists().where(domains.c.name == name))):
        raise APIError(409, "domain_exists", f"The domain {name} is already registered.")
    token = secrets.token_urlsafe(16)
    records = await authority.records(name, token)
    row = (
        await conn.execute(
            pg_insert(domains)
            .values(id=new_id("dom"), name=name, status="pending", records=records, verification_token=token)
            .on_conflict_do_nothing()
            .returning(domains)
        )
    ).first()
    if row is None:
        raise APIError(409, "domain_exists", f"The domain {name} is already registered.")
    return views.domain(row)


async def verify(
    conn: AsyncConnection, authority: DomainAuthority, domain_id: str, default_domain: str | None
) -> dict[str, Any]:
    current = await get(conn, domain_id)
    if current["name"] == default_domain:
        return current  # verified by configuration at start, whatever public DNS says
    records = await authority.check(current["name"], current["records"])
    ok = all(r["status"] == "valid" for r in records)
    now = datetime.now(UTC)
    row = (
        await conn.execute(
            update(domains)
            .where(domains.c.id == domain_id)
            .values(
                records=records,
                status="verified" if ok else "failed",
                verified_at=(current["verified_at"] or now) if ok else None,
            )
            .returning(domains)
        )
    ).one()
    result = views.domain(row)
    if ok and current["status"] != "verified":
        await record_event(conn, "domain.verified", {"domain": result})
    return result


async def remove(conn: AsyncConnection, domain_id: str, default_domain: str | None) -> None:
    current = await get(conn, domain_id)
    if current["name"] == default_domain:
        raise APIError(409, "domain_in_use", f"{current['name']} is the default domain and cannot be deleted.")
    if await conn.scalar(select(exists().where(inboxes.c.domain_id == domain_id))):
        raise APIError(409, "domain_in_use", "Delete the domain's inboxes before deleting the domain.")
    await conn.execute(delete(domains).where(domains.c.id == domain_id))


async def ensure_default(conn: AsyncConnection, authority: DomainAuthority, name: str) -> None:
    """Create the default domain if missing and mark it verified (its mail is handled by this deployment)."""
    existing = (await conn.execute(select(domains).where(domains.c.name == name))).first()
    if existing is not None and existing.status == "verified":
        return
    records = [{**r, "status": "valid"} for r in await authority.records(name, secrets.token_urlsafe(16))]
    now = datetime.now(UTC)
    if existing is None:
        await conn.execute(
            pg_insert(domains)
            .values(
                id=new_id("dom"),
                name=name,
                status="verified",
                records=records,
                verification_token="default",  # noqa: S106 - the default domain is never checked in DNS
                verified_at=now,
            )
            .on_conflict_do_nothing()
        )
    else:
        await conn.execute(
            update(domains).where(domains.c.id == existing.id).values(status="verified", verified_at=now)
        )
