# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `inboxes.drafts` resource."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import List

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given, query
from ..types import AttachmentInputParam, Draft

__all__ = ["AsyncInboxesDrafts", "InboxesDrafts"]


class InboxesDrafts(SyncAPIResource):
    @cached_property
    def with_raw_response(self) -> InboxesDraftsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return InboxesDraftsWithRawResponse(self)

    def list(
        self,
        inbox_id: str,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Draft]:
        """List an inbox's drafts

        Lists the inbox's drafts, newest (most recently created) first.

        Args:
          inbox_id: Inbox id (`inb_…`).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/drafts",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Draft],
        )

    def create(
        self,
        inbox_id: str,
        *,
        to: List[str] | NotGiven | None = NOT_GIVEN,
        cc: List[str] | NotGiven | None = NOT_GIVEN,
        bcc: List[str] | NotGiven | None = NOT_GIVEN,
        reply_to: List[str] | NotGiven | None = NOT_GIVEN,
        subject: str | NotGiven | None = NOT_GIVEN,
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        headers: dict[str, str] | NotGiven | None = NOT_GIVEN,
        attachments: List[AttachmentInputParam] | NotGiven | None = NOT_GIVEN,
        labels: List[str] | NotGiven | None = NOT_GIVEN,
        in_reply_to: str | NotGiven | None = NOT_GIVEN,
        reply_all: bool | NotGiven | None = NOT_GIVEN,
        forward_of: str | NotGiven | None = NOT_GIVEN,
        send_at: datetime | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Draft:
        """Create a draft

        Saves a draft in the inbox; every field is optional, as a draft may be incomplete. Addresses,
        attachments, `send_at` and the message named by `in_reply_to` or `forward_of` (a message of this
        inbox) are checked now (422 naming the field); the rest when it is sent. Records `draft.created`.

        Args:
          inbox_id: Inbox id (`inb_…`).
          to: To recipients (ignored for a reply, which answers the message replied to).
          cc: Cc recipients (for a reply, added to those `reply_all` brings).
          bcc: Bcc recipients.
          reply_to: Reply-To addresses.
          subject: Subject line (a reply's or a forward's is its own), without line breaks.
          text: Plain-text body (a forward's note).
          html: HTML body (a forward's note).
          headers: Extra headers, name → value, as for a send.
          attachments: Attachments, as for a send.
          labels: Labels to set on the sent message.
          in_reply_to: A message of this inbox (`msg_…`): the draft is a reply to it.
          reply_all: For a reply, also address the original To and Cc recipients.
          forward_of: A message of this inbox (`msg_…`): the draft forwards it, attachments
            included.
          send_at: Send at this time when the draft is sent (RFC 3339, from now to 30 days
            ahead), as `scheduled`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/drafts",
                json=given(
                    {
                        "to": to,
                        "cc": cc,
                        "bcc": bcc,
                        "reply_to": reply_to,
                        "subject": subject,
                        "text": text,
                        "html": html,
                        "headers": headers,
                        "attachments": attachments,
                        "labels": labels,
                        "in_reply_to": in_reply_to,
                        "reply_all": reply_all,
                        "forward_of": forward_of,
                        "send_at": send_at,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Draft,
        )


class InboxesDraftsWithRawResponse:
    def __init__(self, resource: InboxesDrafts) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.create = raw_wrapper(resource.create)


class AsyncInboxesDrafts(AsyncAPIResource):
    @cached_property
    def with_raw_response(self) -> AsyncInboxesDraftsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncInboxesDraftsWithRawResponse(self)

    def list(
        self,
        inbox_id: str,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Draft]:
        """List an inbox's drafts

        Lists the inbox's drafts, newest (most recently created) first.

        Args:
          inbox_id: Inbox id (`inb_…`).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/drafts",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Draft],
        )

    async def create(
        self,
        inbox_id: str,
        *,
        to: List[str] | NotGiven | None = NOT_GIVEN,
        cc: List[str] | NotGiven | None = NOT_GIVEN,
        bcc: List[str] | NotGiven | None = NOT_GIVEN,
        reply_to: List[str] | NotGiven | None = NOT_GIVEN,
        subject: str | NotGiven | None = NOT_GIVEN,
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        headers: dict[str, str] | NotGiven | None = NOT_GIVEN,
        attachments: List[AttachmentInputParam] | NotGiven | None = NOT_GIVEN,
        labels: List[str] | NotGiven | None = NOT_GIVEN,
        in_reply_to: str | NotGiven | None = NOT_GIVEN,
        reply_all: bool | NotGiven | None = NOT_GIVEN,
        forward_of: str | NotGiven | None = NOT_GIVEN,
        send_at: datetime | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Draft:
        """Create a draft

        Saves a draft in the inbox; every field is optional, as a draft may be incomplete. Addresses,
        attachments, `send_at` and the message named by `in_reply_to` or `forward_of` (a message of this
        inbox) are checked now (422 naming the field); the rest when it is sent. Records `draft.created`.

        Args:
          inbox_id: Inbox id (`inb_…`).
          to: To recipients (ignored for a reply, which answers the message replied to).
          cc: Cc recipients (for a reply, added to those `reply_all` brings).
          bcc: Bcc recipients.
          reply_to: Reply-To addresses.
          subject: Subject line (a reply's or a forward's is its own), without line breaks.
          text: Plain-text body (a forward's note).
          html: HTML body (a forward's note).
          headers: Extra headers, name → value, as for a send.
          attachments: Attachments, as for a send.
          labels: Labels to set on the sent message.
          in_reply_to: A message of this inbox (`msg_…`): the draft is a reply to it.
          reply_all: For a reply, also address the original To and Cc recipients.
          forward_of: A message of this inbox (`msg_…`): the draft forwards it, attachments
            included.
          send_at: Send at this time when the draft is sent (RFC 3339, from now to 30 days
            ahead), as `scheduled`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/drafts",
                json=given(
                    {
                        "to": to,
                        "cc": cc,
                        "bcc": bcc,
                        "reply_to": reply_to,
                        "subject": subject,
                        "text": text,
                        "html": html,
                        "headers": headers,
                        "attachments": attachments,
                        "labels": labels,
                        "in_reply_to": in_reply_to,
                        "reply_all": reply_all,
                        "forward_of": forward_of,
                        "send_at": send_at,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Draft,
        )


class AsyncInboxesDraftsWithRawResponse:
    def __init__(self, resource: AsyncInboxesDrafts) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.create = async_raw_wrapper(resource.create)
