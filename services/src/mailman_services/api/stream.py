"""/v1/events/stream (Server-Sent Events) and /v1/ws (WebSocket): the event stream of handlers/stream.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from quart import Blueprint, Quart, Response, current_app, request, websocket

from ..domain.errors import APIError
from ..handlers import stream
from .http import check_inbox, principal, services, validation_error
from .schemas import EventType, Id

blueprint = Blueprint("stream", __name__)


class Subscribe(BaseModel):
    """What a stream asks for: the subscribe message of /v1/ws by field name, the query of /v1/events/stream by
    alias (``type`` and ``inbox_id`` repeated, as openapi.yaml names them): one set of checks for both."""

    model_config = ConfigDict(extra="ignore", validate_by_name=True, validate_by_alias=True)

    event_types: Annotated[list[EventType], Field(max_length=50, validation_alias="type")] = []
    inbox_ids: Annotated[list[Id], Field(max_length=100, validation_alias="inbox_id")] = []
    last_event_id: Id | None = None

    @classmethod
    def of_query(cls, query: dict[str, Any]) -> Subscribe:
        return cls.model_validate(query, by_alias=True, by_name=False)

    @classmethod
    def of_message(cls, message: dict[str, Any]) -> Subscribe:
        return cls.model_validate(message, by_alias=False, by_name=True)  # its "type" is "subscribe"


def broadcaster() -> stream.Broadcaster:
    result: stream.Broadcaster = current_app.extensions["mailman.stream"]
    return result


@blueprint.before_app_serving
async def start_listening() -> None:
    svc = services()
    current_app.extensions["mailman.stream"] = running = stream.Broadcaster(
        svc.database, buffer=svc.settings.stream_buffer
    )
    await running.start()


async def shutdown(app: Quart) -> None:
    """End the open streams (they answer ``shutting_down``) and stop listening. The server calls it before it waits
    for its requests to finish, which streams never would (cli.py); it runs after serving in any case, and a
    second time does nothing more."""
    running: stream.Broadcaster | None = app.extensions.get("mailman.stream")
    if running is not None:
        await running.aclose()


@blueprint.after_app_serving
async def stop_listening() -> None:
    await shutdown(current_app)


async def _opened(asked: Subscribe) -> tuple[stream.Filter, int | None]:
    """The subscriber's filter and resume point; 404 for another inbox (scoped key), 400 for an unknown event."""
    for inbox_id in asked.inbox_ids:
        check_inbox(inbox_id)
    where = stream.Filter(frozenset(asked.event_types), frozenset(asked.inbox_ids), principal().inbox_ids)
    after = None
    if asked.last_event_id is not None:
        after = await stream.resume_point(services().database, principal().inbox_ids, asked.last_event_id)
    return where, after


def _heartbeat() -> float:
    return services().settings.stream_heartbeat_seconds


@blueprint.get("/v1/events/stream")
async def sse() -> Response:
    args = request.args
    try:
        asked = Subscribe.of_query(
            {
                "type": args.getlist("type"),
                "inbox_id": args.getlist("inbox_id"),
                "last_event_id": request.headers.get("Last-Event-ID") or args.get("last_event_id") or None,
            }
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    where, after = await _opened(asked)
    events = broadcaster().subscribe(where, after, _heartbeat())

    async def body() -> AsyncIterator[bytes]:
        try:
            await anext(events)  # open (joined, for new events only): nothing is held until the body is sent
            yield b": subscribed\n\n"  # sent at once: the client knows the stream is open
            async for ready in events:
                # The events ready at once in one write: a subscriber that fell behind catches up in few.
                yield b"".join(event.frame for event in ready) if ready else b": heartbeat\n\n"
        except stream.StreamEnded as ended:
            problem = {"code": ended.code, "detail": ended.detail}
            yield b"event: error\ndata: " + orjson.dumps(problem) + b"\n\n"
        finally:
            await events.aclose()

    response = Response(body(), content_type="text/event-stream")
    response.timeout = None  # streams for as long as the client stays
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


async def _send(message: dict[str, Any] | bytes) -> None:
    await websocket.send((message if isinstance(message, bytes) else orjson.dumps(message)).decode())


async def _error(code: str, detail: str) -> None:
    await _send({"type": "error", "code": code, "detail": detail})


@blueprint.websocket("/v1/ws")
async def ws() -> None:
    """One subscription per connection: ``subscribe``, then ``subscribed`` and the envelopes pushed as they come."""
    await websocket.accept()
    try:
        raw = await asyncio.wait_for(websocket.receive(), timeout=60)
    except TimeoutError:
        await _error("subscribe_expected", "Send a subscribe message within 60 s of connecting.")
        return
    try:
        message = orjson.loads(raw)
        if not isinstance(message, dict) or message.get("type") != "subscribe":
            raise ValueError('the message is not {"type": "subscribe", ...}')
        asked = Subscribe.of_message(message)
        where, after = await _opened(asked)
    except (orjson.JSONDecodeError, ValueError) as exc:
        detail = validation_error(exc).detail if isinstance(exc, ValidationError) else str(exc)
        await _error("invalid_subscribe", detail)
        return
    except APIError as exc:
        await _error(exc.code, exc.detail)
        return
    events = broadcaster().subscribe(where, after, _heartbeat())
    try:
        await anext(events)  # open: joined for new events only
        await _send({"type": "subscribed"})
        async for ready in events:
            # Heartbeats (an empty list) are the WebSocket's own pings (hypercorn's); nothing to send for them.
            for event in ready:
                await _send(event.envelope)
    except stream.StreamEnded as ended:
        await _error(ended.code, ended.detail)
    finally:
        with contextlib.suppress(Exception):
            await events.aclose()
