"""The idempotency store on its own, against the stack's PostgreSQL: what the worker's purge removes."""

from __future__ import annotations

import uuid

import anyio
import httpx
import psycopg
from mailman_services.db.engine import create_engine
from mailman_services.handlers import idempotency

from tests.conftest import Stack


def test_purge_removes_answers_past_24_hours_and_abandoned_claims(stack: Stack, api: httpx.Client) -> None:
    database = f"postgresql://postgres@/postgres?host={stack.data_dir / 'postgres'}"
    principal = f"purge-{uuid.uuid4().hex[:8]}"
    rows = {  # key -> (age, answered)
        "old-answer": ("25 hours", True),
        "fresh-answer": ("23 hours", True),
        "abandoned-claim": ("6 minutes", False),
        "live-claim": ("1 minute", False),
    }
    with psycopg.connect(database, autocommit=True) as conn:
        for key, (age, answered) in rows.items():
            conn.execute(
                "INSERT INTO idempotency_keys (principal, key, request_hash, response_status, created_at)"
                " VALUES (%s, %s, 'h', %s, now() - %s::interval)",
                (principal, key, 201 if answered else None, age),
            )

    async def purge() -> int:
        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"), pool_size=1)
        try:
            return await idempotency.purge(engine)
        finally:
            await engine.dispose()

    assert anyio.run(purge) >= 2
    with psycopg.connect(database) as conn:
        left = conn.execute("SELECT key FROM idempotency_keys WHERE principal = %s ORDER BY key", (principal,))
        assert [key for (key,) in left] == ["fresh-answer", "live-claim"]
