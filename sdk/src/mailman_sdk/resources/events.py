# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `events` resource: Everything that happens, as `{id, type, timestamp, data}` envelopes: the same bodies webhooks receive.."""

from __future__ import annotations

from functools import cached_property
from typing import cast

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._stream import AsyncEventStream, EventStream
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, query
from ..types import Event, EventType

__all__ = ["AsyncEvents", "Events"]


class Events(SyncAPIResource, EventStream):
    """Everything that happens, as `{id, type, timestamp, data}` envelopes: the same bodies webhooks
    receive."""

    @cached_property
    def with_raw_response(self) -> EventsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return EventsWithRawResponse(self)

    def list(
        self,
        *,
        type: EventType | NotGiven = NOT_GIVEN,
        inbox_id: str | NotGiven = NOT_GIVEN,
        message_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Event]:
        """List events

        Lists events visible to the token, newest first. A message in an event's `data` is bounded as in
        message lists (see `Message.truncated`); retrieving the event gives it whole.

        Args:
          type: Only events of this type.
          inbox_id: Only events about this inbox (`inb_…`).
          message_id: Only events about this message (`msg_…`).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/events",
                params=query(
                    {"type": type, "inbox_id": inbox_id, "message_id": message_id, "limit": limit, "cursor": cursor}
                ),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Event],
        )

    def retrieve(
        self,
        event_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Event:
        """Retrieve an event

        Returns an event envelope, identical to the body delivered to webhooks.

        Args:
          event_id: Event id (`evt_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return cast(
            "Event",
            self._request_any(
                RequestOptions(
                    "GET",
                    f"/v1/events/{path_param('event_id', event_id)}",
                    extra_headers=extra_headers,
                    timeout=timeout,
                ),
                Event,
            ),
        )


class EventsWithRawResponse:
    def __init__(self, resource: Events) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.retrieve = raw_wrapper(resource.retrieve)


class AsyncEvents(AsyncAPIResource, AsyncEventStream):
    """Everything that happens, as `{id, type, timestamp, data}` envelopes: the same bodies webhooks
    receive."""

    @cached_property
    def with_raw_response(self) -> AsyncEventsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncEventsWithRawResponse(self)

    def list(
        self,
        *,
        type: EventType | NotGiven = NOT_GIVEN,
        inbox_id: str | NotGiven = NOT_GIVEN,
        message_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Event]:
        """List events

        Lists events visible to the token, newest first. A message in an event's `data` is bounded as in
        message lists (see `Message.truncated`); retrieving the event gives it whole.

        Args:
          type: Only events of this type.
          inbox_id: Only events about this inbox (`inb_…`).
          message_id: Only events about this message (`msg_…`).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/events",
                params=query(
                    {"type": type, "inbox_id": inbox_id, "message_id": message_id, "limit": limit, "cursor": cursor}
                ),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Event],
        )

    async def retrieve(
        self,
        event_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Event:
        """Retrieve an event

        Returns an event envelope, identical to the body delivered to webhooks.

        Args:
          event_id: Event id (`evt_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return cast(
            "Event",
            await self._request_any(
                RequestOptions(
                    "GET",
                    f"/v1/events/{path_param('event_id', event_id)}",
                    extra_headers=extra_headers,
                    timeout=timeout,
                ),
                Event,
            ),
        )


class AsyncEventsWithRawResponse:
    def __init__(self, resource: AsyncEvents) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.retrieve = async_raw_wrapper(resource.retrieve)
