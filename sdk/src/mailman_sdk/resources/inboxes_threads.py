# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `inboxes.threads` resource."""

from __future__ import annotations

from functools import cached_property

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, query
from ..types import Thread

__all__ = ["AsyncInboxesThreads", "InboxesThreads"]


class InboxesThreads(SyncAPIResource):
    @cached_property
    def with_raw_response(self) -> InboxesThreadsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return InboxesThreadsWithRawResponse(self)

    def list(
        self,
        inbox_id: str,
        *,
        label: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Thread]:
        """List an inbox's threads

        Lists the inbox's threads, ordered by `last_message_at`, newest first.

        Args:
          inbox_id: Inbox id (`inb_…`).
          label: Only threads with a message carrying this label.
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/threads",
                params=query({"label": label, "limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Thread],
        )


class InboxesThreadsWithRawResponse:
    def __init__(self, resource: InboxesThreads) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)


class AsyncInboxesThreads(AsyncAPIResource):
    @cached_property
    def with_raw_response(self) -> AsyncInboxesThreadsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncInboxesThreadsWithRawResponse(self)

    def list(
        self,
        inbox_id: str,
        *,
        label: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Thread]:
        """List an inbox's threads

        Lists the inbox's threads, ordered by `last_message_at`, newest first.

        Args:
          inbox_id: Inbox id (`inb_…`).
          label: Only threads with a message carrying this label.
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/threads",
                params=query({"label": label, "limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Thread],
        )


class AsyncInboxesThreadsWithRawResponse:
    def __init__(self, resource: AsyncInboxesThreads) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
