"""Idempotent POSTs: the first answer to a (principal, Idempotency-Key) is kept 24 h and replayed.

Answers can hold secrets shown once (a new API key, a webhook's signing secret), so nothing readable is
kept: rows are found by an HMAC of the Idempotency-Key, and the answer is sealed (AES-256-GCM) with a key
derived from the Idempotency-Key too. Only a caller who presents the key again can open it; the database,
its backups and its operators cannot.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from ..db.engine import Database, autocommit
from ..db.schema import idempotency_keys as table
from ..domain.errors import APIError
from ..domain.secrets import derived_key, seal, unseal

TTL = timedelta(hours=24)
# The answer's own id, when it is an object that can be deleted later (views.message puts ``id`` first), and
# the messages of a batch's answer (``{"data": [{"index": 0, "message": {"id": …``). JSON escapes every quote
# inside a string, so text a caller sent can never look like either.
_RESOURCE_ID = re.compile(rb'\{"id":"(msg_[0-9a-z]{26})"')
_BATCH_MESSAGE_ID = re.compile(rb'"message":\{"id":"(msg_[0-9a-z]{26})"')
# A claim whose request died without answering and without releasing it (its process was killed).
ABANDONED_CLAIM = timedelta(minutes=5)


@dataclass(frozen=True)
class Claim:
    """One caller's use of one Idempotency-Key."""

    principal: str
    key: str

    @property
    def lookup(self) -> str:
        return derived_key(self.key, "lookup", self.principal).hex()

    @property
    def sealing_key(self) -> bytes:
        return derived_key(self.key, "seal", self.principal)

    def request_hash(self, request: bytes) -> str:
        return derived_key(self.key, "request", self.principal + "\0" + request.hex()).hex()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def begin(database: Database, claim: Claim, request: bytes) -> Answer | None:
    """Claim the key for this request (None: go on and answer it), or the answer to replay.

    Raises 422 ``idempotency_key_reused`` for another request under the same key, 409
    ``idempotency_key_in_use`` while the first one is still being answered.
    """
    request_hash = claim.request_hash(request)
    now = datetime.now(UTC)
    where = (table.c.principal == claim.principal, table.c.key == claim.lookup)
    async with database.transaction() as conn:
        await conn.execute(
            delete(table).where(
                *where,
                or_(
                    table.c.created_at < now - TTL,
                    and_(table.c.response_status.is_(None), table.c.created_at < now - ABANDONED_CLAIM),
                ),
            )
        )
        for _ in range(3):
            inserted = await conn.execute(
                pg_insert(table)
                .values(principal=claim.principal, key=claim.lookup, request_hash=request_hash)
                .on_conflict_do_nothing()
                .returning(table.c.key)
            )
            if inserted.first() is not None:
                return None
            # The claim that stood in the way may be gone by now (released by a request whose client left):
            # then claim again.
            row = (await conn.execute(select(table).where(*where))).first()
            if row is not None:
                break
        else:
            raise APIError(409, "idempotency_key_in_use", "A request with this Idempotency-Key is still in progress.")
    if row.request_hash != request_hash:
        raise APIError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request; use a new key for a new request.",
        )
    if row.response_status is None:
        raise APIError(409, "idempotency_key_in_use", "A request with this Idempotency-Key is still in progress.")
    if row.response_body is None:  # its message was deleted since (handlers/deletion.py): never sent again
        raise APIError(
            409,
            "idempotency_key_answer_deleted",
            "The answer to this Idempotency-Key held a message that has been deleted since; it is not sent again.",
        )
    opened = unseal(claim.sealing_key, row.response_body, claim.lookup.encode())
    if opened is None:  # cannot happen unless the row was tampered with: answer afresh rather than replay junk
        raise APIError(409, "idempotency_key_in_use", "The stored answer for this Idempotency-Key cannot be read.")
    stored = orjson.loads(opened)
    return Answer(row.response_status, stored["headers"], base64.b64decode(stored["body"]))


async def record(database: Database, claim: Claim, answer: Answer) -> None:
    sealed = seal(
        claim.sealing_key,
        orjson.dumps({"headers": answer.headers, "body": base64.b64encode(answer.body).decode()}),
        claim.lookup.encode(),
    )
    async with autocommit(database.engine) as conn:
        await conn.execute(
            update(table)
            .where(table.c.principal == claim.principal, table.c.key == claim.lookup)
            .values(response_status=answer.status, response_body=sealed, resource_ids=resource_ids(answer.body))
        )


def resource_ids(body: bytes) -> list[str]:
    """The messages an answer holds, so that deleting one deletes the answer (handlers/deletion.py)."""
    found = _RESOURCE_ID.match(body)
    if found:
        return [found.group(1).decode()]
    if body.startswith(b'{"data":[{"index":'):
        return [m.decode() for m in _BATCH_MESSAGE_ID.findall(body)]
    return []


async def release(database: Database, claim: Claim) -> None:
    """Forget an unanswered claim (the request failed, or its client went away): a retry starts afresh."""
    async with autocommit(database.engine) as conn:
        await conn.execute(
            delete(table).where(
                table.c.principal == claim.principal, table.c.key == claim.lookup, table.c.response_status.is_(None)
            )
        )


async def purge(engine: AsyncEngine) -> int:
    """Delete what is past its 24 h (and abandoned claims); returns how many rows went."""
    now = datetime.now(UTC)
    async with autocommit(engine) as conn:
        result = await conn.execute(
            delete(table).where(
                or_(
                    table.c.created_at < now - TTL,
                    and_(table.c.response_status.is_(None), table.c.created_at < now - ABANDONED_CLAIM),
                )
            )
        )
    return int(result.rowcount)
