"""The event stream against real processes: SSE and WebSocket on `mailman-server dev`, resumes that lose and repeat
nothing although events commit out of id order, inbox scopes, heartbeats, and the SDK resuming across a restart."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import smtplib
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import anyio
import httpx
import psycopg
import pytest
from mailman_sdk import AsyncMailman, Mailman
from mailman_sdk.types import MessageReceivedEvent
from mailman_services.db.engine import Database, create_engine, migrate
from mailman_services.db.reads import FastReads
from mailman_services.domain.ids import new_id
from mailman_services.handlers.stream import Broadcaster, Filter, Streamed, StreamEnded, Subscription, resume_point
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from tests.conftest import InProcess, Stack, start_stack


class SSE:
    """An open `GET /v1/events/stream`, read by a thread; messages are waited for with a deadline."""

    def __init__(self, stack: Stack, token: str | None = None, **params: Any) -> None:
        headers = {"Authorization": f"Bearer {token or stack.token}"}
        if "last_event_id" in params:
            headers["Last-Event-ID"] = params.pop("last_event_id")
        self.client = httpx.Client(base_url=stack.url, headers=headers, timeout=httpx.Timeout(30, read=120))
        self.response = self.client.send(
            self.client.build_request("GET", "/v1/events/stream", params=params), stream=True
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        if self.response.status_code == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        message: dict[str, Any] = {}
        try:
            for line in self.response.iter_lines():
                if line.startswith(":"):
                    self.messages.put({"comment": line[1:].strip()})
                elif line == "":
                    if message:
                        self.messages.put(message)
                    message = {}
                else:
                    name, _, value = line.partition(": ")
                    message[name] = value
        except (httpx.HTTPError, RuntimeError, ValueError):
            pass  # closed by the test
        self.messages.put({"closed": True})

    def next(self, timeout: float = 20) -> dict[str, Any]:
        return self.messages.get(timeout=timeout)

    def subscribed(self) -> None:
        assert self.next() == {"comment": "subscribed"}

    def event(self, timeout: float = 20) -> dict[str, Any]:
        """The next event: its SSE id and type and its envelope; heartbeats are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.next(max(0.01, deadline - time.monotonic()))
            assert "closed" not in message, "the stream ended"
            if "data" in message:
                return {"id": message["id"], "envelope": json.loads(message["data"])}

    def close(self) -> None:
        self.response.close()
        self.client.close()

    def __enter__(self) -> SSE:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def smtp_send(stack: Stack, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ada@example.com", to, subject
    message.set_content("hello from the stream tests")
    with smtplib.SMTP("127.0.0.1", stack.smtp_port, timeout=10) as smtp:
        smtp.send_message(message, from_addr="ada@example.com", to_addrs=[to])


def database(stack: Stack) -> psycopg.Connection[Any]:
    return psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres", autocommit=True)


@pytest.fixture
def fake_inbox(stack: Stack) -> Iterator[str]:
    """An inbox id for events these tests write by hand, deleted afterwards (other files list events)."""
    inbox_id = f"inb_stream{uuid.uuid4().hex[:16]}"
    yield inbox_id
    with database(stack) as conn:
        conn.execute("DELETE FROM events WHERE inbox_id = %s", (inbox_id,))


def insert_event(conn: psycopg.Connection[Any], inbox_id: str, event_id: str, padding: int = 0) -> None:
    """A ``webhook.test`` event of ``inbox_id`` (fanned out: no webhook), inserted as a release that knows nothing
    of the stream would: the events table's trigger alone queues it for numbering and wakes the streams."""
    conn.execute(
        "INSERT INTO events (id, type, inbox_id, data, created_at, fanned_out_at)"
        " VALUES (%s, 'webhook.test', %s, %s, now(), now())",
        (event_id, inbox_id, json.dumps({"webhook_id": "whk_stream", "message": event_id, "padding": "x" * padding})),
    )


def begin_event(conn: psycopg.Connection[Any], inbox_id: str, event_id: str) -> None:
    """A ``webhook.test`` event in a transaction the caller commits, queued and NOTIFYed by hand as well, as the
    releases from migration 0010 to 0012 did (the trigger skips the second queueing)."""
    conn.execute("BEGIN")
    insert_event(conn, inbox_id, event_id)
    conn.execute("INSERT INTO events_unordered (event_id) VALUES (%s)", (event_id,))
    conn.execute("NOTIFY mailman_stream")


STREAM_ORDER = "SELECT id FROM events JOIN event_order ON event_id = id WHERE inbox_id = %s ORDER BY seq"


def test_mail_sent_over_smtp_arrives_on_an_open_stream_as_its_event(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes", json={"name": "Streamed"}).json()
    with SSE(stack, inbox_id=inbox["id"], type="message.received") as stream:
        stream.subscribed()
        smtp_send(stack, inbox["address"], "Live on the stream")
        event = stream.event()
    assert event["envelope"]["type"] == "message.received" and event["envelope"]["id"] == event["id"]
    assert event["envelope"]["data"]["message"]["subject"] == "Live on the stream"
    assert event["envelope"]["data"]["message"]["text"].startswith("hello from the stream tests")  # bodies put back
    assert event["envelope"] == api.get(f"/v1/events/{event['id']}").json()  # the envelope of the events API


def test_a_stream_resumed_during_a_burst_gets_all_500_events_once_in_commit_order(
    stack: Stack, fake_inbox: str
) -> None:
    ids = [new_id("evt") for _ in range(500)]
    first, held = database(stack), database(stack)
    # The smallest id commits last of the first half: "every event after the last id seen" would miss it.
    begin_event(held, fake_inbox, ids[0])
    with SSE(stack, inbox_id=fake_inbox) as stream:
        stream.subscribed()
        for event_id in ids[1:250]:
            begin_event(first, fake_inbox, event_id)
            first.execute("COMMIT")
        before = [stream.event()["id"] for _ in range(249)]
    assert before == ids[1:250]

    def burst() -> None:
        held.execute("COMMIT")
        for i in range(250, 500, 2):  # in pairs, the larger id of each committed first
            begin_event(first, fake_inbox, ids[i])
            begin_event(held, fake_inbox, ids[i + 1])
            held.execute("COMMIT")
            first.execute("COMMIT")

    writer = threading.Thread(target=burst)
    writer.start()
    try:
        with SSE(stack, inbox_id=fake_inbox, last_event_id=before[-1]) as resumed:
            resumed.subscribed()
            after = [resumed.event()["id"] for _ in range(251)]
            writer.join(timeout=60)
            with pytest.raises(queue.Empty):  # and nothing more: no event twice
                resumed.event(timeout=1.5)
    finally:
        writer.join(timeout=60)
        first.close()
        held.close()
    assert sorted(before + after) == sorted(ids) and len(set(after)) == 251
    with database(stack) as conn:
        order = [r[0] for r in conn.execute(STREAM_ORDER, (fake_inbox,))]
    assert before + after == order  # the stream's order, which follows the commits
    assert after[0] == ids[0] < before[-1]  # committed after ids[249], so streamed after it though its id is smaller


def test_an_event_inserted_by_code_that_knows_nothing_of_the_stream_arrives(stack: Stack, fake_inbox: str) -> None:
    """A release older than the stream (still running during a rolling deploy) only inserts into events."""
    with SSE(stack, inbox_id=fake_inbox) as stream:
        stream.subscribed()
        with database(stack) as conn:
            old, older = new_id("evt"), new_id("evt")
            insert_event(conn, fake_inbox, old)
            insert_event(conn, fake_inbox, older)
        assert [stream.event()["id"], stream.event()["id"]] == [old, older]
    with database(stack) as conn:
        assert [r[0] for r in conn.execute(STREAM_ORDER, (fake_inbox,))] == [old, older]


def test_an_unknown_last_event_id_or_type_is_a_problem_before_the_stream_starts(stack: Stack) -> None:
    with SSE(stack, last_event_id="evt_nothing_like_this") as stream:
        assert stream.response.status_code == 400
        assert stream.response.headers["content-type"] == "application/problem+json"
        stream.response.read()
        assert stream.response.json()["code"] == "unknown_last_event_id"
    with SSE(stack, type=["message.received", "no.such.type"]) as stream:
        assert stream.response.status_code == 422
        stream.response.read()
        assert [e["field"] for e in stream.response.json()["errors"]] == ["type[1]"]


def test_a_scoped_keys_stream_sees_only_its_inboxes(stack: Stack, api: httpx.Client) -> None:
    mine, other = (api.post("/v1/inboxes", json={"name": name}).json() for name in ("Mine", "Other"))
    key = api.post("/v1/api-keys", json={"name": "stream", "inbox_ids": [mine["id"]]}).json()["key"]
    with SSE(stack, token=key, inbox_id=other["id"]) as refused:
        assert refused.response.status_code == 404
    with SSE(stack, token=key) as stream:
        stream.subscribed()
        smtp_send(stack, other["address"], "Not yours")
        smtp_send(stack, mine["address"], "Yours 1")
        deadline = time.monotonic() + 20
        while not api.get("/v1/events", params={"inbox_id": other["id"]}).json()["data"]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        others = api.get("/v1/events", params={"inbox_id": other["id"]}).json()["data"]
        smtp_send(stack, mine["address"], "Yours 2")  # committed after "Not yours": streamed after it, if at all
        seen: list[dict[str, Any]] = []
        while not seen or seen[-1]["envelope"]["data"]["message"]["subject"] != "Yours 2":
            seen.append(stream.event())
    assert {e["envelope"]["data"]["message"]["inbox_id"] for e in seen} == {mine["id"]}
    with SSE(stack, token=key, last_event_id=others[0]["id"]) as resumed:  # another inbox's event is unknown
        assert resumed.response.status_code == 400


def ws_url(stack: Stack, **query: str) -> str:
    return stack.url.replace("http://", "ws://") + "/v1/ws" + ("?" + "&".join(f"{k}={v}" for k, v in query.items()))


def test_websocket_subscribes_and_pushes_envelopes(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes", json={"name": "Socket"}).json()
    with connect(ws_url(stack, token=stack.token), open_timeout=10) as socket:
        socket.send(json.dumps({"type": "subscribe", "event_types": ["message.received"], "inbox_ids": [inbox["id"]]}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "subscribed"}
        smtp_send(stack, inbox["address"], "Over the socket")
        envelope = json.loads(socket.recv(timeout=20))
    assert envelope["type"] == "message.received"
    assert envelope["data"]["message"]["subject"] == "Over the socket"
    assert envelope == api.get(f"/v1/events/{envelope['id']}").json()

    # Resumed from that event, with the token in the header: the next one only.
    smtp_send(stack, inbox["address"], "While away")
    headers = {"Authorization": f"Bearer {stack.token}"}
    with connect(ws_url(stack), additional_headers=headers, open_timeout=10) as socket:
        socket.send(json.dumps({"type": "subscribe", "inbox_ids": [inbox["id"]], "last_event_id": envelope["id"]}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "subscribed"}
        missed = json.loads(socket.recv(timeout=20))
    assert missed["data"]["message"]["subject"] == "While away"


def test_websocket_errors_are_messages_then_the_connection_closes(stack: Stack) -> None:
    """With websockets' asyncio client: its threaded one drops the frames it read together with the close when
    its close reply finds the socket already shut (its own comment: "events are lost"), which a busy machine
    makes happen."""
    from websockets.asyncio.client import connect as connect_async

    async def scenario() -> None:
        async with connect_async(ws_url(stack, token=stack.token), open_timeout=10) as socket:
            await socket.send(json.dumps({"type": "subscribe", "last_event_id": "evt_unknown"}))
            error = json.loads(await asyncio.wait_for(socket.recv(), 10))
            assert error["type"] == "error" and error["code"] == "unknown_last_event_id" and error["detail"]
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), 10)
        async with connect_async(ws_url(stack, token=stack.token), open_timeout=10) as socket:
            await socket.send(json.dumps({"type": "subscribe", "event_types": ["no.such.type"]}))
            assert json.loads(await asyncio.wait_for(socket.recv(), 10))["code"] == "invalid_subscribe"
        with pytest.raises(InvalidStatus) as refused:
            await connect_async(ws_url(stack, token="not-a-token-at-all"), open_timeout=10)
        assert refused.value.response.status_code == 401

    asyncio.run(scenario())


def test_the_async_sdk_iterator_yields_typed_events(stack: Stack, api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes", json={"name": "Async"}).json()

    async def first_event() -> Any:
        opened = anyio.Event()
        with anyio.fail_after(30):
            async with AsyncMailman(base_url=stack.url, api_key=stack.token) as client, anyio.create_task_group() as tg:
                tg.start_soon(_send_once_open, opened, stack, inbox["address"])
                stream = client.events.stream(
                    types=["message.received"], inbox_ids=[inbox["id"]], on_subscribed=opened.set
                )
                async with contextlib.aclosing(stream):
                    async for event in stream:
                        return event
        return None

    event = anyio.run(first_event)
    assert isinstance(event, MessageReceivedEvent) and event.data.message.subject == "Async stream"


async def _send_once_open(opened: anyio.Event, stack: Stack, address: str) -> None:
    await opened.wait()
    await anyio.to_thread.run_sync(smtp_send, stack, address, "Async stream")


def test_a_subscriber_that_falls_behind_is_ended_without_holding_up_the_others() -> None:
    slow, other = Subscription(Filter(), 0, 2), Subscription(Filter(), 0, 10)
    for seq in range(1, 4):
        event = Streamed(seq, f"evt_{seq}", "webhook.test", None, b"{}")
        slow.offer(event)
        other.offer(event)
    assert isinstance(slow.ended, StreamEnded) and slow.ended.code == "slow_consumer"
    assert [e.seq for e in other.buffer] == [1, 2, 3]


@pytest.mark.anyio
async def test_a_process_with_no_stream_open_numbers_nothing_and_its_first_subscriber_catches_up(stack: Stack) -> None:
    """On a database of its own, which no server listens on: only this broadcaster could number its events."""
    socket_dir = stack.data_dir / "postgres"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS stream_idle")
        conn.execute("CREATE DATABASE stream_idle")
    url = f"postgresql+psycopg://postgres@/stream_idle?host={socket_dir}"
    await anyio.to_thread.run_sync(migrate, url)
    database = Database(create_engine(url, pool_size=2), FastReads(url, size=1))
    idle = psycopg.connect(host=str(socket_dir), user="postgres", dbname="stream_idle", autocommit=True)
    unordered = "SELECT event_id FROM events_unordered"
    broadcaster = Broadcaster(database)
    try:
        before, after, meanwhile = new_id("evt"), new_id("evt"), new_id("evt")
        insert_event(idle, "inb_idle", before)
        await broadcaster.pump()  # its NOTIFY, with nobody subscribed: no work
        assert [r[0] for r in idle.execute(unordered)] == [before]

        events = broadcaster.subscribe(Filter(), None, 60)
        assert await anext(events) == []  # the first subscriber, open: caught up first
        assert idle.execute(unordered).fetchall() == []
        insert_event(idle, "inb_idle", after)
        await broadcaster.pump()
        assert [event.id for event in await anext(events)] == [after]  # not ``before``: it was there already
        await events.aclose()

        insert_event(idle, "inb_idle", meanwhile)
        await broadcaster.pump()  # nobody subscribed again
        resumed = broadcaster.subscribe(Filter(), await resume_point(database, None, before), 60)
        assert await anext(resumed) == []
        assert [event.id for event in await anext(resumed)] == [after, meanwhile]  # numbered as it subscribed
        await resumed.aclose()
        assert [r[0] for r in idle.execute(STREAM_ORDER, ("inb_idle",))] == [before, after, meanwhile]
    finally:
        idle.close()
        await database.aclose()


def small_socket(stack: Stack) -> socket.socket:
    """A connection to the API with a small receive buffer: what it leaves unread soon stops the server's writes."""
    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)  # before connecting: no autotuning
    host, port = stack.url.removeprefix("http://").split(":")
    client.connect((host, int(port)))
    client.settimeout(60)
    return client


def read_to_the_end(client: socket.socket) -> bytes:
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    client.close()
    return received


def raw_stream(stack: Stack, inbox_id: str) -> socket.socket:
    """An SSE stream opened by hand on a ``small_socket``, read only up to its ``: subscribed``."""
    client = small_socket(stack)
    host = stack.url.removeprefix("http://")
    client.sendall(
        f"GET /v1/events/stream?inbox_id={inbox_id} HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {stack.token}\r\nConnection: close\r\n\r\n".encode()
    )
    head = b""
    while b": subscribed" not in head:
        head += client.recv(1)
    return client


def raw_websocket(stack: Stack, inbox_id: str) -> tuple[socket.socket, WSConnection]:
    """A /v1/ws subscription made by hand (wsproto) on a ``small_socket``, read only up to its ``subscribed``."""
    client, ws = small_socket(stack), WSConnection(ConnectionType.CLIENT)
    host = stack.url.removeprefix("http://")
    client.sendall(ws.send(Request(host=host, target=f"/v1/ws?token={stack.token}")))
    subscribe = json.dumps({"type": "subscribe", "inbox_ids": [inbox_id]})
    while True:
        ws.receive_data(client.recv(1))
        if any(isinstance(event, AcceptConnection) for event in ws.events()):
            break
    client.sendall(ws.send(TextMessage(data=subscribe)))
    text = ""
    while text != '{"type":"subscribed"}':
        ws.receive_data(client.recv(1))
        text += "".join(event.data for event in ws.events() if isinstance(event, TextMessage))
    return client, ws


def test_a_subscriber_that_stops_reading_is_ended_while_the_others_get_everything(buffered_stack: Stack) -> None:
    stack, inbox_id = buffered_stack, f"inb_slow{uuid.uuid4().hex[:16]}"
    # 20 MB of events: more than the kernel buffers between the server and a client that reads nothing.
    ids = [new_id("evt") for _ in range(200)]
    slow_sse = raw_stream(stack, inbox_id)
    slow_ws, ws = raw_websocket(stack, inbox_id)
    with SSE(stack, inbox_id=inbox_id) as healthy:
        healthy.subscribed()
        offered: list[str] = []
        with database(stack) as conn:
            for start in range(0, len(ids), 10):
                for event_id in ids[start : start + 10]:
                    insert_event(conn, inbox_id, event_id, padding=100_000)
                # Paced by the healthy reader, which is then never more than 10 events behind (it may be 20),
                # however slowly this machine runs its thread; the slow ones read nothing all along.
                offered += [healthy.event()["id"] for _ in range(10)]
        assert offered == ids  # the server has offered every event to every stream

    # Now the slow ones read: what the buffers held, then the end.
    received = read_to_the_end(slow_sse)
    assert b'event: error\ndata: {"code":"slow_consumer"' in received
    assert 0 < received.count(b"\nid: evt_") < len(ids)
    texts: list[dict[str, Any]] = []
    parts = ""
    while not texts or texts[-1]["type"] != "error":
        chunk = slow_ws.recv(65536)
        assert chunk, "the connection closed before the end of the stream"
        ws.receive_data(chunk)
        for event in ws.events():
            if isinstance(event, TextMessage):
                parts += event.data
                if event.message_finished:
                    texts.append(json.loads(parts))
                    parts = ""
    slow_ws.close()
    assert texts[-1]["type"] == "error" and texts[-1]["code"] == "slow_consumer"
    assert 0 < len(texts) - 1 < len(ids)
    assert [m["id"] for m in texts[:-1]] == ids[: len(texts) - 1]  # in order, up to where it fell behind
    with database(stack) as conn:
        conn.execute("DELETE FROM events WHERE inbox_id = %s", (inbox_id,))


@pytest.fixture(scope="module")
def buffered_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack whose stream subscribers may fall 20 events behind, not 1,000."""
    running = start_stack(tmp_path_factory.mktemp("buffered"), {"MAILMAN_STREAM_BUFFER": "20"})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own (these tests restart it), with a heartbeat every 0.3 s."""
    running = start_stack(tmp_path_factory.mktemp("stream"), {"MAILMAN_STREAM_HEARTBEAT_SECONDS": "0.3"})
    yield running
    running.stop()


def test_an_idle_stream_gets_heartbeats(own_stack: Stack) -> None:
    with SSE(own_stack, type="domain.verified") as stream:
        stream.subscribed()
        started = time.monotonic()
        assert stream.next(timeout=5) == {"comment": "heartbeat"}
        assert stream.next(timeout=5) == {"comment": "heartbeat"}
    assert time.monotonic() - started < 5


def test_the_sdk_iterator_resumes_after_the_server_restarts(own_stack: Stack, tmp_path: Path) -> None:
    from mailman_services.db.engine import embedded_database_url

    stack = own_stack
    with stack.client() as api:
        inbox = api.post("/v1/inboxes", json={"name": "Restarted"}).json()
    received: queue.Queue[Any] = queue.Queue()
    opened = threading.Event()

    def follow() -> None:
        with Mailman(base_url=stack.url, api_key=stack.token) as client:
            for event in client.events.stream(inbox_ids=[inbox["id"]], on_subscribed=opened.set):
                received.put(event)
                if isinstance(event, MessageReceivedEvent) and event.data.message.subject == "After":
                    return

    threading.Thread(target=follow, daemon=True).start()
    assert opened.wait(20)
    smtp_send(stack, inbox["address"], "Before")
    assert received.get(timeout=20).data.message.subject == "Before"

    # This process joins the embedded PostgreSQL, so it keeps running while the server is down.
    embedded_database_url(stack.data_dir)
    port = int(stack.url.rsplit(":", 1)[1])
    assert stack.stop() == 0
    missed = [new_id("evt") for _ in range(3)]
    with database(stack) as conn:
        for event_id in missed:  # committed while no server was up: the SDK must ask for them
            begin_event(conn, inbox["id"], event_id)
            conn.execute("COMMIT")
    restarted = start_stack(stack.data_dir, {"MAILMAN_STREAM_HEARTBEAT_SECONDS": "0.3"}, port=port)
    own_stack.process, own_stack.smtp_port = restarted.process, restarted.smtp_port
    got = [received.get(timeout=60).id for _ in missed]
    assert got == missed
    smtp_send(own_stack, inbox["address"], "After")
    after = received.get(timeout=30)
    assert after.type == "message.received" and after.data.message.subject == "After"
    assert received.empty()  # nothing twice


Scope = dict[str, Any]


async def abort_at(app: Any, scope: Scope, arriving: list[Scope], write: str, disconnect: str) -> None:
    """``scope`` served to a client that is gone by the server's first ``write`` message: that write never
    completes and the disconnect arrives (as hypercorn sees a connection reset), so the server cancels the request."""
    incoming: asyncio.Queue[Scope] = asyncio.Queue()
    for message in arriving:
        incoming.put_nowait(message)

    async def send(message: Scope) -> None:
        if message["type"] == write:
            incoming.put_nowait({"type": disconnect})
            await asyncio.Event().wait()

    await app(scope, incoming.get, send)


def asgi_scope(kind: str, path: str, query: str, headers: dict[str, str]) -> Scope:
    return {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http" if kind == "http" else "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}} if kind == "websocket" else {},
    }


@pytest.mark.anyio
async def test_streams_whose_client_left_before_the_first_byte_hold_no_subscription(app_api: InProcess) -> None:
    """SSE (with and without a resume point), the WebSocket and the console's inbox events, each abandoned at
    the response's start and at its first write: none may stay subscribed, getting every event."""
    app, broadcaster = app_api.client.app, app_api.client.app.extensions["mailman.stream"]
    inbox = await app_api.json("POST", "/v1/inboxes", json={"name": "Left"})
    resume = (await app_api.json("GET", "/v1/events", query_string={"limit": 1}))["data"]
    bearer = {"Authorization": f"Bearer {app_api.token}", "Host": "localhost"}
    request = [{"type": "http.request", "body": b"", "more_body": False}]
    page = await app_api.client.get("/ui/sign-in")
    csrf = page.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    signed_in = await app_api.client.post("/ui/sign-in", form={"csrf": csrf, "token": app_api.token, "next": "/ui/"})
    assert signed_in.status_code == 303
    cookies = "; ".join(f"{c.name}={c.value}" for c in app_api.client.cookie_jar)  # type: ignore[union-attr]
    console = {"Cookie": cookies, "Host": "localhost"}
    sse_queries = [f"inbox_id={inbox['id']}", ""] + ([f"last_event_id={resume[0]['id']}"] if resume else [])
    for write in ("http.response.start", "http.response.body"):
        for query in sse_queries:
            await abort_at(
                app, asgi_scope("http", "/v1/events/stream", query, bearer), request, write, "http.disconnect"
            )
            assert broadcaster.subscriptions == set(), (write, query)
        events_path = f"/ui/inboxes/{inbox['id']}/events"
        await abort_at(app, asgi_scope("http", events_path, "", console), request, write, "http.disconnect")
        assert broadcaster.subscriptions == set(), (write, "console")
    subscribe = {"type": "websocket.receive", "text": json.dumps({"type": "subscribe", "inbox_ids": [inbox["id"]]})}
    ws = asgi_scope("websocket", "/v1/ws", f"token={app_api.token}", {"Host": "localhost"})
    await abort_at(app, ws, [{"type": "websocket.connect"}, subscribe], "websocket.send", "websocket.disconnect")
    assert broadcaster.subscriptions == set(), "websocket"


@pytest.mark.anyio
async def test_the_sse_query_and_the_websocket_subscribe_are_checked_alike(app_api: InProcess) -> None:
    """One model for both: the same values refused, named as each channel names them."""
    too_many = [new_id("inb") for _ in range(101)]
    cases: list[tuple[list[tuple[str, str]], str, dict[str, Any], str]] = [
        ([("type", "message.received"), ("type", "no.such.type")], "type[1]", {"event_types": ["x"]}, "event_types[0]"),
        ([("inbox_id", i) for i in too_many], "inbox_id", {"inbox_ids": too_many}, "inbox_ids"),
        ([("inbox_id", "i" * 256)], "inbox_id[0]", {"inbox_ids": ["i" * 256]}, "inbox_ids[0]"),
    ]
    for query, sse_field, message, ws_field in cases:
        sse = await app_api.get("/v1/events/stream?" + urlencode(query))
        assert sse.status_code == 422, query
        assert [e["field"] for e in (await sse.get_json())["errors"]] == [sse_field]
        async with app_api.client.websocket(f"/v1/ws?token={app_api.token}") as socket:
            await socket.send(json.dumps({"type": "subscribe", **message}))
            error = json.loads(await socket.receive())
        assert error["code"] == "invalid_subscribe" and error["detail"].startswith(f"{ws_field}:"), error


@pytest.mark.anyio
async def test_one_shutdown_ends_the_streams_and_any_opened_after_it(app_api: InProcess) -> None:
    from mailman_services.api import stream as stream_api

    app = app_api.client.app
    broadcaster: Broadcaster = app.extensions["mailman.stream"]
    opened = broadcaster.subscribe(Filter(), None, 60)
    assert await anext(opened) == []
    await stream_api.shutdown(app)
    with pytest.raises(StreamEnded) as ended:
        await anext(opened)
    assert ended.value.code == "shutting_down" and broadcaster.subscriptions == set()
    await stream_api.shutdown(app)  # as after serving: nothing more to do
    late = broadcaster.subscribe(Filter(), None, 60)
    assert await anext(late) == []
    with pytest.raises(StreamEnded):
        await anext(late)
