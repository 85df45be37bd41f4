"""The deliverer on its own, against the stack's PostgreSQL and a real receiver on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import aiohttp
import anyio
import httpx
import psycopg
import pytest
from mailman_services.adapters.pgqueue import PgQueue
from mailman_services.adapters.public_resolver import PublicResolver
from mailman_services.db.engine import create_engine
from mailman_services.domain.ids import derived_id, new_id
from mailman_services.handlers.delivery import Attempt, Deliverer
from mailman_services.handlers.jobs import delivery_body as job_body

from tests.conftest import Stack
from tests.services.test_webhook_delivery import Receiver, verified


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


@pytest.fixture
def made_up_events(stack: Stack) -> Iterator[list[str]]:
    """Ids of the events a test writes by hand, in no shape openapi.yaml gives events: deleted afterwards (their
    deliveries with them), so tests reading the shared stack's events, the schemathesis one, never see them."""
    ids: list[str] = []
    yield ids
    with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as db:
        db.execute("DELETE FROM events WHERE id = ANY(%s)", [ids])


def test_a_job_received_before_its_fan_out_commits_is_delivered_and_recorded(
    stack: Stack, api: httpx.Client, receiver: Receiver, made_up_events: list[str]
) -> None:
    """The fan-out queues its jobs before it commits: the deliverer must not wait for, nor drop on, the
    missing delivery row; the fan-out's own row, committed later, must not undo the recorded attempt."""
    inbox = api.post("/v1/inboxes").json()
    webhook = api.post(
        "/v1/webhooks",
        json={"url": f"{receiver.url}/early", "events": ["message.received"], "inbox_ids": [inbox["id"]]},
    ).json()
    event_id = new_id("evt")
    made_up_events.append(event_id)
    database = f"postgresql://postgres@/postgres?host={stack.data_dir / 'postgres'}"
    with psycopg.connect(database, autocommit=True) as db:
        db.execute(  # already fanned out: the stack's own worker leaves it alone
            "INSERT INTO events (id, type, inbox_id, data, created_at, fanned_out_at) VALUES (%s, %s, %s, %s, %s, %s)",
            (
                event_id,
                "message.received",
                inbox["id"],
                json.dumps({"note": "early"}),
                datetime.now(UTC),
                datetime.now(UTC),
            ),
        )
    delivery_id = derived_id("dlv", event_id, event_id, webhook["id"])

    async def deliver() -> str:
        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"), pool_size=2)
        queue = PgQueue(engine)
        try:
            async with aiohttp.ClientSession() as http:
                deliverer = Deliverer(engine, queue, http)
                return await deliverer.deliver(job_body(delivery_id, event_id, webhook["id"]), "no-receipt")
        finally:
            await queue.aclose()
            await engine.dispose()

    assert anyio.run(deliver) == "succeeded"
    [(headers, body, _)] = receiver.at("/early")
    assert verified(webhook["secret"], headers, body)["data"] == {"note": "early"}

    with psycopg.connect(database, autocommit=True) as db:
        db.execute(  # what the fan-out writes when it commits afterwards
            "INSERT INTO deliveries (id, webhook_id, event_id, attempt, status) VALUES (%s, %s, %s, 1, 'pending')"
            " ON CONFLICT DO NOTHING",
            (delivery_id, webhook["id"], event_id),
        )
    [delivery] = api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]
    assert (delivery["id"], delivery["status"], delivery["attempt"], delivery["response_status"]) == (
        delivery_id,
        "succeeded",
        1,
        200,
    )


def test_the_aws_resolver_hands_out_no_private_address() -> None:
    """The connection's own lookup refuses loopback, so a name rebound after the check still cannot reach it."""

    async def resolve() -> None:
        resolver = PublicResolver()
        try:
            with pytest.raises(OSError, match="only to private addresses"):
                await resolver.resolve("localhost", 80)
        finally:
            await resolver.close()

    anyio.run(resolve)


@pytest.mark.parametrize("host", ["::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "::127.0.0.1"])
def test_the_aws_resolver_refuses_ipv6_forms_of_private_ipv4_addresses(host: str) -> None:
    async def resolve() -> None:
        resolver = PublicResolver()
        try:
            with pytest.raises(OSError, match="only to private addresses"):
                await resolver.resolve(host, 80, socket.AF_UNSPEC)
            [public] = await resolver.resolve("64:ff9b::808:808", 80, socket.AF_UNSPEC)  # NAT64 of 8.8.8.8
            assert public["host"] == "64:ff9b::808:808"
        finally:
            await resolver.close()

    anyio.run(resolve)


def test_an_attempt_that_cannot_be_recorded_spoils_none_of_those_recorded_with_it(
    stack: Stack, api: httpx.Client, made_up_events: list[str]
) -> None:
    """Attempts ending together are recorded by one statement: one whose webhook was deleted meanwhile, or whose
    text PostgreSQL cannot store, must not keep the others from being recorded."""
    kept, deleted = (
        api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/", "events": ["webhook.test"]}).json()
        for _ in range(2)
    )
    assert api.delete(f"/v1/webhooks/{deleted['id']}").status_code == 204
    event_id = new_id("evt")
    made_up_events.append(event_id)
    database = f"postgresql://postgres@/postgres?host={stack.data_dir / 'postgres'}"
    with psycopg.connect(database, autocommit=True) as db:
        db.execute(  # already fanned out: the stack's own worker leaves it alone
            "INSERT INTO events (id, type, data, created_at, fanned_out_at)"
            " VALUES (%s, 'webhook.test', '{}', now(), now())",
            (event_id,),
        )

    def attempt(webhook_id: str, text: str) -> Attempt:
        return Attempt(new_id("dlv"), webhook_id, event_id, 1, "failed", 500, text, 1, None)

    async def record_together() -> list[bool | BaseException]:
        engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://"), pool_size=2)
        queue = PgQueue(engine)
        try:
            async with aiohttp.ClientSession() as http:
                deliverer = Deliverer(engine, queue, http)
                # Started in one event-loop iteration: the coalescer records them in one batch.
                return list(
                    await asyncio.gather(
                        deliverer._record(attempt(kept["id"], "recorded")),
                        deliverer._record(attempt(deleted["id"], "webhook gone")),
                        deliverer._record(attempt(kept["id"], "nul \x00")),
                        return_exceptions=True,
                    )
                )
        finally:
            await queue.aclose()
            await engine.dispose()

    recorded, vanished, unstorable = anyio.run(record_together)
    assert (recorded, vanished) == (True, False)
    assert isinstance(unstorable, Exception)  # the deliverer raises it: the job is retried
    [delivery] = api.get(f"/v1/webhooks/{kept['id']}/deliveries").json()["data"]
    assert (delivery["event_id"], delivery["response_body"]) == (event_id, "recorded")
