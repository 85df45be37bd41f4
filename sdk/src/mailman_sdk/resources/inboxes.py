# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `inboxes` resource: Email addresses on a domain. Mail to `local_part@domain` (or `local_part+tag@domain`) is stored in the inbox.."""

from __future__ import annotations

from functools import cached_property

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given, query
from ..types import Inbox
from .inboxes_drafts import (
    AsyncInboxesDrafts,
    AsyncInboxesDraftsWithRawResponse,
    InboxesDrafts,
    InboxesDraftsWithRawResponse,
)
from .inboxes_messages import (
    AsyncInboxesMessages,
    AsyncInboxesMessagesWithRawResponse,
    InboxesMessages,
    InboxesMessagesWithRawResponse,
)
from .inboxes_threads import (
    AsyncInboxesThreads,
    AsyncInboxesThreadsWithRawResponse,
    InboxesThreads,
    InboxesThreadsWithRawResponse,
)

__all__ = ["AsyncInboxes", "Inboxes"]


class Inboxes(SyncAPIResource):
    """Email addresses on a domain. Mail to `local_part@domain` (or `local_part+tag@domain`) is stored in
    the inbox."""

    @cached_property
    def drafts(self) -> InboxesDrafts:

        return InboxesDrafts(self._client)

    @cached_property
    def messages(self) -> InboxesMessages:

        return InboxesMessages(self._client)

    @cached_property
    def threads(self) -> InboxesThreads:

        return InboxesThreads(self._client)

    @cached_property
    def with_raw_response(self) -> InboxesWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return InboxesWithRawResponse(self)

    def list(
        self,
        *,
        domain_id: str | NotGiven = NOT_GIVEN,
        address: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Inbox]:
        """List inboxes

        Lists inboxes visible to the token, newest first, optionally filtered by domain or by address.

        Args:
          domain_id: Only inboxes on this domain (`dom_…`).
          address: Only the inbox with this address (compared case-insensitively; `local+tag@`
            is not resolved here).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/inboxes",
                params=query({"domain_id": domain_id, "address": address, "limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Inbox],
        )

    def create(
        self,
        *,
        domain_id: str | NotGiven = NOT_GIVEN,
        local_part: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        retention_days: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Inbox:
        """Create an inbox

        Creates an inbox. Without `domain_id` it is created on the default domain; without `local_part` a
        random one is generated. An unknown `domain_id` answers 422 `validation_failed`; an existing address
        answers 409 `inbox_address_taken`.

        Args:
          domain_id: Domain to create the inbox on; defaults to the deployment's default domain.
            An unknown domain answers 422.
          local_part: Lowercase local part; a random one is generated when omitted. 409
            `inbox_address_taken` if the address exists.
          name: Display name used in the From header of sent mail.
          retention_days: Days to keep the inbox's mail (see `Inbox.retention_days`); null keeps
            it. Left out, the deployment's default (`MAILMAN_RETENTION_DAYS`; unset, null).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                "/v1/inboxes",
                json=given(
                    {"domain_id": domain_id, "local_part": local_part, "name": name, "retention_days": retention_days}
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Inbox,
        )

    def retrieve(
        self,
        inbox_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Inbox:
        """Retrieve an inbox

        Returns an inbox.

        Args:
          inbox_id: Inbox id (`inb_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "GET", f"/v1/inboxes/{path_param('inbox_id', inbox_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            Inbox,
        )

    def update(
        self,
        inbox_id: str,
        *,
        name: str | NotGiven | None = NOT_GIVEN,
        retention_days: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Inbox:
        """Update an inbox

        Updates the inbox's display name. The address cannot be changed.

        Args:
          inbox_id: Inbox id (`inb_…`).
          name: New display name; null clears it.
          retention_days: Days to keep the inbox's mail from now on (mail already older goes at
            the worker's next purge); null keeps it. Left out, unchanged.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "PATCH",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}",
                json=given({"name": name, "retention_days": retention_days}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Inbox,
        )

    def delete(
        self,
        inbox_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete an inbox

        Deletes an inbox and all its mail, as `DELETE /v1/messages/{message_id}` deletes each message (raw
        copies, attachments no other message holds, bodies in events; `message.deleted` with `reason:
        inbox_deleted` is recorded for each). Mail to its address is refused afterwards. The mail goes a
        batch of messages at a time: a deletion cut short (a dropped connection) leaves the inbox with the
        rest of its mail, and deleting it again finishes it.

        Args:
          inbox_id: Inbox id (`inb_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        self._request(
            RequestOptions(
                "DELETE",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )


class InboxesWithRawResponse:
    def __init__(self, resource: Inboxes) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.create = raw_wrapper(resource.create)
        self.retrieve = raw_wrapper(resource.retrieve)
        self.update = raw_wrapper(resource.update)
        self.delete = raw_wrapper(resource.delete)

    @cached_property
    def drafts(self) -> InboxesDraftsWithRawResponse:
        return InboxesDraftsWithRawResponse(self._resource.drafts)

    @cached_property
    def messages(self) -> InboxesMessagesWithRawResponse:
        return InboxesMessagesWithRawResponse(self._resource.messages)

    @cached_property
    def threads(self) -> InboxesThreadsWithRawResponse:
        return InboxesThreadsWithRawResponse(self._resource.threads)


class AsyncInboxes(AsyncAPIResource):
    """Email addresses on a domain. Mail to `local_part@domain` (or `local_part+tag@domain`) is stored in
    the inbox."""

    @cached_property
    def drafts(self) -> AsyncInboxesDrafts:

        return AsyncInboxesDrafts(self._client)

    @cached_property
    def messages(self) -> AsyncInboxesMessages:

        return AsyncInboxesMessages(self._client)

    @cached_property
    def threads(self) -> AsyncInboxesThreads:

        return AsyncInboxesThreads(self._client)

    @cached_property
    def with_raw_response(self) -> AsyncInboxesWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncInboxesWithRawResponse(self)

    def list(
        self,
        *,
        domain_id: str | NotGiven = NOT_GIVEN,
        address: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Inbox]:
        """List inboxes

        Lists inboxes visible to the token, newest first, optionally filtered by domain or by address.

        Args:
          domain_id: Only inboxes on this domain (`dom_…`).
          address: Only the inbox with this address (compared case-insensitively; `local+tag@`
            is not resolved here).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/inboxes",
                params=query({"domain_id": domain_id, "address": address, "limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Inbox],
        )

    async def create(
        self,
        *,
        domain_id: str | NotGiven = NOT_GIVEN,
        local_part: str | NotGiven = NOT_GIVEN,
        name: str | NotGiven | None = NOT_GIVEN,
        retention_days: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Inbox:
        """Create an inbox

        Creates an inbox. Without `domain_id` it is created on the default domain; without `local_part` a
        random one is generated. An unknown `domain_id` answers 422 `validation_failed`; an existing address
        answers 409 `inbox_address_taken`.

        Args:
          domain_id: Domain to create the inbox on; defaults to the deployment's default domain.
            An unknown domain answers 422.
          local_part: Lowercase local part; a random one is generated when omitted. 409
            `inbox_address_taken` if the address exists.
          name: Display name used in the From header of sent mail.
          retention_days: Days to keep the inbox's mail (see `Inbox.retention_days`); null keeps
            it. Left out, the deployment's default (`MAILMAN_RETENTION_DAYS`; unset, null).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                "/v1/inboxes",
                json=given(
                    {"domain_id": domain_id, "local_part": local_part, "name": name, "retention_days": retention_days}
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Inbox,
        )

    async def retrieve(
        self,
        inbox_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Inbox:
        """Retrieve an inbox

        Returns an inbox.

        Args:
          inbox_id: Inbox id (`inb_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "GET", f"/v1/inboxes/{path_param('inbox_id', inbox_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            Inbox,
        )

    async def update(
        self,
        inbox_id: str,
        *,
        name: str | NotGiven | None = NOT_GIVEN,
        retention_days: int | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Inbox:
        """Update an inbox

        Updates the inbox's display name. The address cannot be changed.

        Args:
          inbox_id: Inbox id (`inb_…`).
          name: New display name; null clears it.
          retention_days: Days to keep the inbox's mail from now on (mail already older goes at
            the worker's next purge); null keeps it. Left out, unchanged.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "PATCH",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}",
                json=given({"name": name, "retention_days": retention_days}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Inbox,
        )

    async def delete(
        self,
        inbox_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete an inbox

        Deletes an inbox and all its mail, as `DELETE /v1/messages/{message_id}` deletes each message (raw
        copies, attachments no other message holds, bodies in events; `message.deleted` with `reason:
        inbox_deleted` is recorded for each). Mail to its address is refused afterwards. The mail goes a
        batch of messages at a time: a deletion cut short (a dropped connection) leaves the inbox with the
        rest of its mail, and deleting it again finishes it.

        Args:
          inbox_id: Inbox id (`inb_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        await self._request(
            RequestOptions(
                "DELETE",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )


class AsyncInboxesWithRawResponse:
    def __init__(self, resource: AsyncInboxes) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.create = async_raw_wrapper(resource.create)
        self.retrieve = async_raw_wrapper(resource.retrieve)
        self.update = async_raw_wrapper(resource.update)
        self.delete = async_raw_wrapper(resource.delete)

    @cached_property
    def drafts(self) -> AsyncInboxesDraftsWithRawResponse:
        return AsyncInboxesDraftsWithRawResponse(self._resource.drafts)

    @cached_property
    def messages(self) -> AsyncInboxesMessagesWithRawResponse:
        return AsyncInboxesMessagesWithRawResponse(self._resource.messages)

    @cached_property
    def threads(self) -> AsyncInboxesThreadsWithRawResponse:
        return AsyncInboxesThreadsWithRawResponse(self._resource.threads)
