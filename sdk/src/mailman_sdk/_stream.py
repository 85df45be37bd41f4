"""``client.events.stream()``: the event stream (``GET /v1/events/stream``, Server-Sent Events) as an iterator
of typed events that reconnects and resumes by itself.

After a dropped connection, a server restart or the server ending the stream (``slow_consumer``,
``shutting_down``), it connects again with backoff and sends the last event id received as
``Last-Event-ID``: the server sends what was missed, in order, none twice. Errors that reconnecting cannot
cure (401, 403, 404, 400 ``unknown_last_event_id``, 422) are raised.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._base_client import RequestOptions, _error_body, retry_delay, should_retry
from ._exceptions import status_error

if TYPE_CHECKING:
    import httpx

    from ._base_client import AsyncAPIClient, SyncAPIClient
    from .types import Event, EventType

__all__ = ["AsyncEventStream", "EventStream"]

# Heartbeats come every 15 s: three missed mean the connection is gone, though no error said so.
READ_TIMEOUT = 45.0
_event_adapter: Any = None


def _parse_event(data: str) -> Event:
    global _event_adapter
    if _event_adapter is None:
        import pydantic

        from .types import Event

        _event_adapter = pydantic.TypeAdapter(Event)
    event: Event = _event_adapter.validate_json(data)
    return event


@dataclass
class _Message:
    id: str | None = None
    event: str | None = None
    data: list[str] = field(default_factory=list)


class _Parser:
    """Server-Sent Events, line by line: a message is complete at its blank line; comments are skipped."""

    def __init__(self) -> None:
        self.message = _Message()

    def feed(self, line: str) -> _Message | None:
        if line == "":
            done, self.message = self.message, _Message()
            return done if done.data else None
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            self.message.id = value
        elif name == "event":
            self.message.event = value
        elif name == "data":
            self.message.data.append(value)
        return None


class _Ended(Exception):
    """The server ended the stream with an ``error`` message: connect again and resume."""


def _options(types: Sequence[EventType] | None, inbox_ids: Sequence[str] | None, last: str | None) -> RequestOptions:
    import httpx

    params = {"type": list(types or ()), "inbox_id": list(inbox_ids or ())}  # repeated: ?type=a&type=b
    headers = {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
    if last is not None:
        headers["Last-Event-ID"] = last
    return RequestOptions(
        "GET",
        "/v1/events/stream",
        params=params,
        headers=headers,
        timeout=httpx.Timeout(READ_TIMEOUT, connect=5.0),
    )


def _received(message: _Message) -> Event | None:
    if message.event == "error":
        raise _Ended("\n".join(message.data))
    if message.id is None:
        return None
    return _parse_event("\n".join(message.data))


def _fatal(response: httpx.Response) -> bool:
    """An error answer that reconnecting will not change (the caller's own mistake)."""
    return not should_retry(response)


class EventStream:
    """``stream`` on ``client.events``."""

    if TYPE_CHECKING:
        _client: SyncAPIClient

    def stream(
        self,
        *,
        types: Sequence[EventType] | None = None,
        inbox_ids: Sequence[str] | None = None,
        last_event_id: str | None = None,
        on_subscribed: Callable[[], None] | None = None,
    ) -> Generator[Event, None, None]:
        """Events as they are committed, forever: those after ``last_event_id`` first when given.

        Reconnects with backoff and resumes after the last event yielded. ``on_subscribed`` is called each
        time the stream is open (events committed from then on will arrive). Stop by breaking out of the loop.
        """
        import httpx

        last, failures = last_event_id, 0
        while True:
            client = self._client._client
            request = self._client._build_request(client, _options(types, inbox_ids, last))
            response: httpx.Response | None = None
            try:
                response = client.send(request, stream=True)
                if not response.is_success:
                    response.read()
                    if _fatal(response):
                        raise status_error(response, _error_body(response))
                else:
                    if on_subscribed is not None:
                        on_subscribed()
                    parser = _Parser()
                    for line in response.iter_lines():
                        message = parser.feed(line)
                        if message is None:
                            continue
                        failures = 0  # it got this far: the next drop starts the backoff afresh
                        event = _received(message)
                        if event is not None:
                            last = event.id
                            yield event
            except (httpx.TransportError, _Ended):
                pass
            finally:
                if response is not None:
                    response.close()
            time.sleep(retry_delay(failures, response))
            failures += 1


class AsyncEventStream:
    """``stream`` on ``client.events`` of ``AsyncMailman``."""

    if TYPE_CHECKING:
        _client: AsyncAPIClient

    async def stream(
        self,
        *,
        types: Sequence[EventType] | None = None,
        inbox_ids: Sequence[str] | None = None,
        last_event_id: str | None = None,
        on_subscribed: Callable[[], None] | None = None,
    ) -> AsyncGenerator[Event, None]:
        """Events as they are committed, forever (``async for``); see ``Mailman.events.stream``."""
        import anyio
        import httpx

        last, failures = last_event_id, 0
        while True:
            client = self._client._client
            request = self._client._build_request(client, _options(types, inbox_ids, last))
            response: httpx.Response | None = None
            try:
                response = await client.send(request, stream=True)
                if not response.is_success:
                    await response.aread()
                    if _fatal(response):
                        raise status_error(response, _error_body(response))
                else:
                    if on_subscribed is not None:
                        on_subscribed()
                    parser = _Parser()
                    async for line in response.aiter_lines():
                        message = parser.feed(line)
                        if message is None:
                            continue
                        failures = 0
                        event = _received(message)
                        if event is not None:
                            last = event.id
                            yield event
            except (httpx.TransportError, _Ended):
                pass
            finally:
                if response is not None:
                    await response.aclose()
            await anyio.sleep(retry_delay(failures, response))
            failures += 1
