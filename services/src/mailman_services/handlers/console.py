"""The web console's own state: sessions, one-time sign-in codes and which messages were opened.

Secrets (session ids, sign-in codes) are stored only as their SHA-256; a session is re-checked against its
principal on every request, so a deleted API key or a changed bootstrap token ends its sessions at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ..db.engine import Database
from ..db.schema import api_keys, console_reads, console_sessions, console_sign_in_codes
from ..domain.secrets import hash_token

SESSION_LIFETIME = timedelta(hours=12)
CODE_LIFETIME = timedelta(minutes=15)
UNREAD_SHOWN = 1_000  # counted up to this many per inbox ("999+" beyond): a count never walks a whole inbox


@dataclass(frozen=True)
class SessionPrincipal:
    """Who a session signs in as: ``admin`` (the bootstrap token) or an API key, with its inbox scope."""

    id: str
    inbox_ids: frozenset[str] | None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def open_session(database: Database, *, api_key_id: str | None, bootstrap_token: str | None) -> str:
    """A new session for an API key or for the bootstrap token; returns its id (the cookie's value)."""
    session_id = new_secret()
    async with database.transaction() as conn:
        await conn.execute(delete(console_sessions).where(console_sessions.c.expires_at < func.now()))
        await conn.execute(
            insert(console_sessions).values(
                id_hash=hash_token(session_id),
                api_key_id=api_key_id,
                bootstrap_hash=None if bootstrap_token is None else hash_token(bootstrap_token),
                expires_at=func.now() + SESSION_LIFETIME,
            )
        )
    return session_id


async def find_session(database: Database, session_id: str, bootstrap_token: str | None) -> SessionPrincipal | None:
    """The session's principal, or None when it is unknown, expired, or its key or token is gone."""
    s = console_sessions.c
    query = (
        select(s.api_key_id, s.bootstrap_hash, api_keys.c.inbox_ids)
        .select_from(console_sessions.outerjoin(api_keys, api_keys.c.id == s.api_key_id))
        .where(s.id_hash == hash_token(session_id), s.expires_at > func.now())
    )
    async with database.read() as conn:
        row = (await conn.execute(query)).first()
    if row is None:
        return None
    if row.api_key_id is not None:
        return SessionPrincipal(row.api_key_id, None if row.inbox_ids is None else frozenset(row.inbox_ids))
    if bootstrap_token is not None and secrets.compare_digest(row.bootstrap_hash, hash_token(bootstrap_token)):
        return SessionPrincipal("admin", None)
    return None


async def close_session(database: Database, session_id: str) -> None:
    async with database.transaction() as conn:
        await conn.execute(delete(console_sessions).where(console_sessions.c.id_hash == hash_token(session_id)))


async def create_sign_in_code(database: Database, bootstrap_token: str) -> str:
    """A single-use code that opens a session as the bootstrap token for CODE_LIFETIME (``mailman-server dev``)."""
    code = new_secret()
    async with database.transaction() as conn:
        await conn.execute(delete(console_sign_in_codes).where(console_sign_in_codes.c.expires_at < func.now()))
        await conn.execute(
            insert(console_sign_in_codes).values(
                code_hash=hash_token(code),
                bootstrap_hash=hash_token(bootstrap_token),
                expires_at=func.now() + CODE_LIFETIME,
            )
        )
    return code


async def redeem_sign_in_code(database: Database, code: str, bootstrap_token: str | None) -> str | None:
    """A session opened with ``code``, which is used up; None for an unknown, used or expired code."""
    c = console_sign_in_codes.c
    async with database.transaction() as conn:
        row = (
            await conn.execute(
                delete(console_sign_in_codes)
                .where(c.code_hash == hash_token(code), c.expires_at > func.now())
                .returning(c.bootstrap_hash)
            )
        ).first()
    if row is None or bootstrap_token is None or row.bootstrap_hash != hash_token(bootstrap_token):
        return None
    return await open_session(database, api_key_id=None, bootstrap_token=bootstrap_token)


async def mark_read(database: Database, message_id: str) -> None:
    async with database.transaction() as conn:
        await conn.execute(pg_insert(console_reads).values(message_id=message_id).on_conflict_do_nothing())


async def read_among(database: Database, message_ids: Iterable[str]) -> set[str]:
    """Which of ``message_ids`` were opened."""
    wanted = list(message_ids)
    if not wanted:
        return set()
    async with database.read() as conn:
        rows = await conn.execute(select(console_reads.c.message_id).where(console_reads.c.message_id.in_(wanted)))
        return {row.message_id for row in rows}


# Per inbox of the page, in one statement: its received messages not opened yet, counted up to a limit.
_UNREAD = text(
    "SELECT i.id, (SELECT count(*) FROM (SELECT 1 FROM messages AS m WHERE m.inbox_id = i.id"
    " AND m.direction = 'inbound' AND NOT EXISTS (SELECT 1 FROM console_reads AS r WHERE r.message_id = m.id)"
    " LIMIT :shown) AS unread) FROM unnest(CAST(:ids AS text[])) AS i(id)"
)


async def unread_counts(database: Database, inbox_ids: Iterable[str]) -> dict[str, int]:
    """Received messages not opened yet, per inbox, each counted up to UNREAD_SHOWN."""
    async with database.read() as conn:
        rows = await conn.execute(_UNREAD, {"ids": list(inbox_ids), "shown": UNREAD_SHOWN})
    return {inbox_id: int(count) for inbox_id, count in rows}
