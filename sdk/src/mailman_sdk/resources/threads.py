# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `threads` resource: Conversations: messages of one inbox linked by In-Reply-To and References.."""

from __future__ import annotations

from functools import cached_property

from .._base_client import RequestOptions
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, query
from ..types import ThreadWithMessages

__all__ = ["AsyncThreads", "Threads"]


class Threads(SyncAPIResource):
    """Conversations: messages of one inbox linked by In-Reply-To and References."""

    @cached_property
    def with_raw_response(self) -> ThreadsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return ThreadsWithRawResponse(self)

    def retrieve(
        self,
        thread_id: str,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadWithMessages:
        """Retrieve a thread

        Returns a thread with a page of its messages, oldest first (bounded as in message lists, see
        `Message.truncated`). Anyone can add to a thread by replying, so messages come in pages of `limit`
        (default and most 100); pass `next_cursor` as `cursor` for the next page.

        Args:
          thread_id: Thread id (`thr_…`).
          limit: Maximum number of messages to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "GET",
                f"/v1/threads/{path_param('thread_id', thread_id)}",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            ThreadWithMessages,
        )

    def delete(
        self,
        thread_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a thread

        Deletes the thread and every message in it, each as `DELETE /v1/messages/{message_id}` does
        (`message.deleted` with `reason: thread_deleted`). A key limited to other inboxes gets 404.

        Args:
          thread_id: Thread id (`thr_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        self._request(
            RequestOptions(
                "DELETE",
                f"/v1/threads/{path_param('thread_id', thread_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )


class ThreadsWithRawResponse:
    def __init__(self, resource: Threads) -> None:
        self._resource = resource
        self.retrieve = raw_wrapper(resource.retrieve)
        self.delete = raw_wrapper(resource.delete)


class AsyncThreads(AsyncAPIResource):
    """Conversations: messages of one inbox linked by In-Reply-To and References."""

    @cached_property
    def with_raw_response(self) -> AsyncThreadsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncThreadsWithRawResponse(self)

    async def retrieve(
        self,
        thread_id: str,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadWithMessages:
        """Retrieve a thread

        Returns a thread with a page of its messages, oldest first (bounded as in message lists, see
        `Message.truncated`). Anyone can add to a thread by replying, so messages come in pages of `limit`
        (default and most 100); pass `next_cursor` as `cursor` for the next page.

        Args:
          thread_id: Thread id (`thr_…`).
          limit: Maximum number of messages to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "GET",
                f"/v1/threads/{path_param('thread_id', thread_id)}",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            ThreadWithMessages,
        )

    async def delete(
        self,
        thread_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a thread

        Deletes the thread and every message in it, each as `DELETE /v1/messages/{message_id}` does
        (`message.deleted` with `reason: thread_deleted`). A key limited to other inboxes gets 404.

        Args:
          thread_id: Thread id (`thr_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        await self._request(
            RequestOptions(
                "DELETE",
                f"/v1/threads/{path_param('thread_id', thread_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )


class AsyncThreadsWithRawResponse:
    def __init__(self, resource: AsyncThreads) -> None:
        self._resource = resource
        self.retrieve = async_raw_wrapper(resource.retrieve)
        self.delete = async_raw_wrapper(resource.delete)
