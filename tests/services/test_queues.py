"""The Queue port's two adapters: PgQueue on the dev stack's PostgreSQL, SqsQueue against a moto server."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, cast

import anyio
import boto3
import pytest
from mailman_services.adapters import aws
from mailman_services.adapters.pgqueue import PgQueue
from mailman_services.db.engine import create_engine, migrate
from mailman_services.ports import OutgoingMessage, QueueMessage, QueueName, QueueSpec
from moto.server import ThreadedMotoServer
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Stack, free_port

pytestmark = pytest.mark.anyio

MakeQueue = Callable[..., Awaitable[tuple[PgQueue, QueueName]]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def database_url(stack: Stack) -> str:
    url = f"postgresql+psycopg://postgres@/postgres?host={stack.data_dir / 'postgres'}"
    migrate(url)
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=4)
    yield engine
    await engine.dispose()


@pytest.fixture
async def make_queue(engine: AsyncEngine) -> AsyncIterator[MakeQueue]:
    """A PgQueue with one queue of its own, named afresh so tests never see each other's messages."""
    made: list[PgQueue] = []

    async def make(
        visibility_timeout: int = 30, max_receives: int = 5, fifo: bool = False
    ) -> tuple[PgQueue, QueueName]:
        name = cast(QueueName, f"test-{uuid.uuid4().hex[:12]}")
        spec = QueueSpec(
            name, visibility_timeout=visibility_timeout, max_receives=max_receives, wait_seconds=0, fifo=fifo
        )
        queue = PgQueue(engine, specs={name: spec})
        made.append(queue)
        return queue, name

    yield make
    for queue in made:
        await queue.aclose()


def bodies(messages: list[QueueMessage]) -> list[str]:
    return [message.body for message in messages]


async def test_a_received_message_stays_hidden_and_is_gone_once_deleted(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(visibility_timeout=1)
    await queue.send(name, "hello")

    [message] = await queue.receive(name)
    assert (message.body, message.receive_count, message.group_id) == ("hello", 1, None)
    assert await queue.receive(name) == []

    await queue.delete(name, message.receipt)
    await anyio.sleep(1.2)
    assert await queue.receive(name) == []


async def test_a_message_not_deleted_in_time_is_delivered_again(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(visibility_timeout=1)
    await queue.send(name, "retry me")
    [first] = await queue.receive(name)

    await anyio.sleep(1.2)
    [again] = await queue.receive(name)
    assert (again.body, again.receive_count) == ("retry me", 2)
    assert again.receipt != first.receipt


async def test_the_visibility_scale_shortens_every_visibility_timeout(engine: AsyncEngine) -> None:
    """MAILMAN_QUEUE_VISIBILITY_SCALE: a 60 s visibility timeout scaled by 1/60 runs out in a second, so the
    long-polling receive gets the message again (unscaled, it would wait out its 30 s and get nothing)."""
    name = cast(QueueName, f"test-{uuid.uuid4().hex[:12]}")
    spec = QueueSpec(name, visibility_timeout=60, max_receives=5, wait_seconds=0)
    queue = PgQueue(engine, specs={name: spec}, visibility_scale=1 / 60)
    try:
        await queue.send(name, "back soon")
        [first] = await queue.receive(name)
        [again] = await queue.receive(name, wait_seconds=30)
        assert (again.body, again.receive_count) == ("back soon", 2) and again.receipt != first.receipt
    finally:
        await queue.aclose()


async def test_the_longest_wait_caps_a_receive(engine: AsyncEngine) -> None:
    """MAILMAN_QUEUE_WAIT_SECONDS=0: a receive asked to wait 20 s on an empty queue looks once and returns."""
    name = cast(QueueName, f"test-{uuid.uuid4().hex[:12]}")
    queue = PgQueue(
        engine,
        specs={name: QueueSpec(name, visibility_timeout=30, max_receives=5, wait_seconds=20)},
        max_wait_seconds=0,
    )
    try:
        assert await queue.receive(name, wait_seconds=20) == []
        assert queue._listener is None  # it never listened for a message to wait for
    finally:
        await queue.aclose()


async def test_a_stale_receipt_neither_deletes_nor_hides_the_message(make_queue: MakeQueue) -> None:
    queue, name = await make_queue()
    await queue.send(name, "kept")
    [first] = await queue.receive(name)
    await queue.change_visibility(name, first.receipt, 0)
    [second] = await queue.receive(name)

    await queue.delete(name, first.receipt)
    await queue.change_visibility(name, first.receipt, 0)
    await queue.delete(name, "not-a-receipt")
    assert await queue.receive(name) == []  # still in flight under the current receipt

    await queue.change_visibility(name, second.receipt, 0)
    [third] = await queue.receive(name)
    assert (third.body, third.receive_count) == ("kept", 3)
    await queue.delete(name, third.receipt)
    await queue.change_visibility(name, third.receipt, 0)
    assert await queue.receive(name) == []


async def test_change_visibility_hides_a_message_for_longer(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(visibility_timeout=1)
    await queue.send(name, "slow work")
    [message] = await queue.receive(name)
    await queue.change_visibility(name, message.receipt, 30)
    await anyio.sleep(1.2)
    assert await queue.receive(name) == []


async def test_after_max_receives_a_message_moves_to_the_dead_letter_queue(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(max_receives=2)
    await queue.send(name, "poison", group_id="g")
    for expected_count in (1, 2):
        [message] = await queue.receive(name)
        assert message.receive_count == expected_count
        await queue.change_visibility(name, message.receipt, 0)

    assert await queue.receive(name) == []
    dead_letters = cast(QueueName, f"{name}-dlq")
    [dead] = await queue.receive(dead_letters)
    assert (dead.body, dead.group_id) == ("poison", "g")


async def test_dead_lettering_the_head_of_a_fifo_group_releases_the_next_message(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(max_receives=1, fifo=True)
    await queue.send(name, "first", group_id="g")
    await queue.send(name, "second", group_id="g")
    [first] = await queue.receive(name)
    await queue.change_visibility(name, first.receipt, 0)

    assert bodies(await queue.receive(name)) == ["second"]
    assert bodies(await queue.receive(cast(QueueName, f"{name}-dlq"))) == ["first"]


async def test_a_message_dead_lettered_at_once_moves_to_the_dead_letter_queue(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(fifo=True)
    await queue.send(name, "never works", group_id="g")
    await queue.send(name, "next", group_id="g")
    [poison] = await queue.receive(name)

    assert await queue.dead_letter(name, poison)
    assert bodies(await queue.receive(name)) == ["next"]  # its group goes on
    [dead] = await queue.receive(cast(QueueName, f"{name}-dlq"))
    assert (dead.body, dead.group_id) == ("never works", "g")
    assert not await queue.dead_letter(name, poison)  # its receipt is spent


async def test_a_delayed_message_becomes_visible_after_the_delay(make_queue: MakeQueue) -> None:
    queue, name = await make_queue()
    await queue.send(name, "later", delay_seconds=1)
    assert await queue.receive(name) == []

    started = time.monotonic()
    assert bodies(await queue.receive(name, wait_seconds=5)) == ["later"]
    assert time.monotonic() - started < 1.5  # woken when it became visible, not at the end of the wait


async def test_a_repeated_deduplication_id_is_dropped_even_after_the_first_is_deleted(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(fifo=True)
    await queue.send(name, "once", group_id="g", deduplication_id="evt_1")
    await queue.send(name, "once again", group_id="g", deduplication_id="evt_1")
    [message] = await queue.receive(name)
    assert message.body == "once"
    await queue.delete(name, message.receipt)

    await queue.send(name, "after delete", group_id="g", deduplication_id="evt_1")
    await queue.send(name, "other", group_id="g", deduplication_id="evt_2")
    assert bodies(await queue.receive(name)) == ["other"]


async def test_batches_are_sent_and_deleted_whole_and_deduplicated(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(fifo=True)
    await queue.send_batch(
        name,
        [
            OutgoingMessage("a", group_id="a", deduplication_id="1"),
            OutgoingMessage("b", group_id="b", deduplication_id="2"),
            OutgoingMessage("a again", group_id="a", deduplication_id="1"),
        ],
    )
    await queue.send_batch(name, [OutgoingMessage("b again", group_id="b", deduplication_id="2")])
    received = await queue.receive(name)
    assert sorted(bodies(received)) == ["a", "b"]

    await queue.delete_batch(name, [m.receipt for m in received])
    assert await queue.receive(name) == []


async def test_concurrent_sends_all_arrive_once(make_queue: MakeQueue) -> None:
    queue, name = await make_queue()
    async with anyio.create_task_group() as tg:
        for n in range(50):
            tg.start_soon(queue.send, name, str(n))
    received: list[QueueMessage] = []
    while batch := await queue.receive(name):
        received += batch
    assert sorted(int(body) for body in bodies(received)) == list(range(50))


async def test_fifo_delivers_each_group_in_order_without_blocking_other_groups(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(visibility_timeout=1, fifo=True)
    for body in ("a1", "a2", "a3"):
        await queue.send(name, body, group_id="a")
    for body in ("b1", "b2"):
        await queue.send(name, body, group_id="b")

    [a1] = await queue.receive(name, max_messages=1)
    assert (a1.body, a1.group_id) == ("a1", "a")
    [b1] = await queue.receive(name)  # group a's message in flight does not hold group b back
    assert b1.body == "b1"
    assert await queue.receive(name) == []  # nothing after a1 or b1 while they are in flight

    await queue.delete(name, b1.receipt)
    assert bodies(await queue.receive(name)) == ["b2"]
    await queue.delete(name, a1.receipt)
    [a2] = await queue.receive(name)
    assert a2.body == "a2"

    await anyio.sleep(1.2)  # a2's visibility runs out: a2 again, never a3 before it
    redelivered = await queue.receive(name)
    assert [(m.body, m.receive_count) for m in redelivered] == [("a2", 2), ("b2", 2)]
    await queue.delete(name, redelivered[0].receipt)
    assert bodies(await queue.receive(name)) == ["a3"]


async def test_one_fifo_receive_returns_the_oldest_message_of_each_group(make_queue: MakeQueue) -> None:
    queue, name = await make_queue(fifo=True)
    for group, body in [("a", "a1"), ("b", "b1"), ("a", "a2"), ("c", "c1"), ("b", "b2")]:
        await queue.send(name, body, group_id=group)
    assert bodies(await queue.receive(name)) == ["a1", "b1", "c1"]


async def test_long_polling_returns_as_soon_as_a_message_is_sent(make_queue: MakeQueue) -> None:
    queue, name = await make_queue()
    other_queue, other = await make_queue()
    received: list[tuple[list[str], float]] = []

    async def poll(q: PgQueue, queue_name: QueueName) -> None:
        messages = await q.receive(queue_name, wait_seconds=10)
        received.append((bodies(messages), time.monotonic()))

    async with anyio.create_task_group() as tg:
        tg.start_soon(poll, queue, name)
        tg.start_soon(poll, queue, name)  # two waiters on one PgQueue share its LISTEN connection
        tg.start_soon(poll, other_queue, other)
        await anyio.sleep(0.3)
        sent = {"for the other queue": time.monotonic()}
        await other_queue.send(other, "for the other queue")
        await anyio.sleep(0.3)
        sent["first"] = time.monotonic()
        await queue.send(name, "first")
        await anyio.sleep(0.3)
        sent["second"] = time.monotonic()
        await queue.send(name, "second")

    assert sorted(b for [b], _ in received) == ["first", "for the other queue", "second"]
    for [body], at in received:
        assert at - sent[body] < 1, body


async def test_long_polling_an_empty_queue_waits_the_whole_wait(make_queue: MakeQueue) -> None:
    queue, name = await make_queue()
    started = time.monotonic()
    assert await queue.receive(name, wait_seconds=0.5) == []
    assert 0.45 <= time.monotonic() - started < 1.5


async def test_concurrent_consumers_never_receive_the_same_message(make_queue: MakeQueue, database_url: str) -> None:
    producer, name = await make_queue()
    for number in range(200):
        await producer.send(name, str(number))

    seen: list[str] = []

    async def consume() -> None:
        """A consumer with its own engine, as another worker process would have."""
        engine = create_engine(database_url, pool_size=2)
        consumer = PgQueue(engine, specs={name: QueueSpec(name, visibility_timeout=30, max_receives=5, wait_seconds=0)})
        try:
            while messages := await consumer.receive(name, max_messages=7):
                seen.extend(bodies(messages))
                for message in messages:
                    await consumer.delete(name, message.receipt)
        finally:
            await consumer.aclose()
            await engine.dispose()

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume)
        tg.start_soon(consume)

    assert sorted(seen, key=int) == [str(number) for number in range(200)]


@pytest.fixture(scope="module")
def sqs() -> Iterator[tuple[aws.SqsQueue, Any]]:
    """An SqsQueue on a moto server with a standard ``inbound`` queue (its dead-letter queue ``inbound-dlq`` in
    its redrive policy) and a FIFO ``webhooks`` queue (none)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        aws.client.cache_clear()
        sqs = boto3.client("sqs")
        # moto keeps its state per process, across servers: unique names keep other tests' queues out.
        suffix = uuid.uuid4().hex[:8]
        dead_letters = sqs.create_queue(QueueName=f"inbound-dlq-{suffix}")["QueueUrl"]
        dead_letters_arn = sqs.get_queue_attributes(QueueUrl=dead_letters, AttributeNames=["QueueArn"])
        redrive = {"deadLetterTargetArn": dead_letters_arn["Attributes"]["QueueArn"], "maxReceiveCount": 5}
        urls = {
            "inbound": sqs.create_queue(
                QueueName=f"inbound-{suffix}", Attributes={"RedrivePolicy": json.dumps(redrive)}
            )["QueueUrl"],
            "webhooks": sqs.create_queue(QueueName=f"webhooks-{suffix}.fifo", Attributes={"FifoQueue": "true"})[
                "QueueUrl"
            ],
            "inbound-dlq": dead_letters,
        }
        yield aws.SqsQueue(urls), sqs
        aws.client.cache_clear()
    server.stop()


async def test_sqs_send_receive_delete(sqs: tuple[aws.SqsQueue, Any]) -> None:
    queue, _ = sqs
    await queue.send("inbound", "hello")
    [message] = await queue.receive("inbound", max_messages=50, wait_seconds=1)
    assert (message.body, message.receive_count, message.group_id) == ("hello", 1, None)

    await queue.delete("inbound", message.receipt)
    assert await queue.receive("inbound") == []


async def test_sqs_batches(sqs: tuple[aws.SqsQueue, Any]) -> None:
    queue, client = sqs
    await queue.send_batch("inbound", [OutgoingMessage(str(n)) for n in range(12)])  # two SQS calls
    received: list[QueueMessage] = []
    while batch := await queue.receive("inbound", max_messages=10):
        received += batch
    assert sorted(int(body) for body in bodies(received)) == list(range(12))

    await queue.delete_batch("inbound", [m.receipt for m in received])
    counts = client.get_queue_attributes(QueueUrl=queue.queue_urls["inbound"], AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


async def test_sqs_receive_count_grows_on_redelivery(sqs: tuple[aws.SqsQueue, Any]) -> None:
    queue, _ = sqs
    await queue.send("inbound", "again")
    [first] = await queue.receive("inbound")
    await queue.change_visibility("inbound", first.receipt, 0)
    [second] = await queue.receive("inbound")
    assert (second.body, second.receive_count) == ("again", 2)
    await queue.delete("inbound", second.receipt)


async def test_sqs_fifo_returns_the_group_id(sqs: tuple[aws.SqsQueue, Any]) -> None:
    queue, _ = sqs
    await queue.send("webhooks", "evt", group_id="wh_1:inb_1", deduplication_id="evt_1:wh_1")
    await queue.send("webhooks", "evt", group_id="wh_1:inb_1", deduplication_id="evt_1:wh_1")
    [message] = await queue.receive("webhooks", max_messages=10)
    assert (message.body, message.group_id, message.receive_count) == ("evt", "wh_1:inb_1", 1)
    await queue.delete("webhooks", message.receipt)
    assert await queue.receive("webhooks") == []


async def test_sqs_dead_letters_at_once_through_the_redrive_policy(sqs: tuple[aws.SqsQueue, Any]) -> None:
    queue, client = sqs
    await queue.send("inbound", "never works")
    [poison] = await queue.receive("inbound")
    assert await queue.dead_letter("inbound", poison)
    [dead] = await queue.receive(cast(QueueName, "inbound-dlq"), wait_seconds=1)
    assert (dead.body, dead.receive_count) == ("never works", 1)
    await queue.delete(cast(QueueName, "inbound-dlq"), dead.receipt)
    counts = client.get_queue_attributes(QueueUrl=queue.queue_urls["inbound"], AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


async def test_sqs_visibility_scale_and_longest_wait(sqs: tuple[aws.SqsQueue, Any]) -> None:
    """MAILMAN_QUEUE_VISIBILITY_SCALE sets each receive's VisibilityTimeout (inbound's 60 s by 1/60: 1 s, where moto's
    queue default is 30 s), and MAILMAN_QUEUE_WAIT_SECONDS caps its long poll."""
    plain, _ = sqs
    queue = aws.SqsQueue(plain.queue_urls, visibility_scale=1 / 60, max_wait_seconds=1)
    await queue.send("inbound", "back soon")
    [first] = await queue.receive("inbound")
    again: list[QueueMessage] = []
    with anyio.fail_after(30):  # a deadline for the event, not a timing: unscaled, it comes back after 30 s
        while not again:
            again = await queue.receive("inbound", wait_seconds=20)  # each receive polls for 1 s at most
    assert (again[0].body, again[0].receive_count) == ("back soon", 2) and again[0].receipt != first.receipt
    await queue.delete("inbound", again[0].receipt)


async def test_sqs_receive_asks_for_the_scaled_visibility_and_the_capped_wait(
    sqs: tuple[aws.SqsQueue, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, _ = sqs
    calls: list[dict[str, Any]] = []

    async def call(service: str, method: str, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return {}

    monkeypatch.setattr(aws, "call", call)
    await plain.receive("webhooks", wait_seconds=20)
    await aws.SqsQueue(plain.queue_urls, visibility_scale=0.1, max_wait_seconds=1).receive("webhooks", wait_seconds=20)
    await aws.SqsQueue(plain.queue_urls, visibility_scale=0.001).receive(cast(QueueName, "inbound-dlq"))
    assert [(c.get("VisibilityTimeout"), c["WaitTimeSeconds"]) for c in calls] == [(None, 20), (6, 1), (1, 0)]


async def test_sqs_without_a_redrive_policy_keeps_the_message_for_its_retries(sqs: tuple[aws.SqsQueue, Any]) -> None:
    queue, _ = sqs
    await queue.send("webhooks", "never works", group_id="g", deduplication_id="poison")
    [poison] = await queue.receive("webhooks")
    assert not await queue.dead_letter("webhooks", poison)
    await queue.change_visibility("webhooks", poison.receipt, 0)
    [again] = await queue.receive("webhooks")
    assert (again.body, again.receive_count) == ("never works", 2)
    await queue.delete("webhooks", again.receipt)
