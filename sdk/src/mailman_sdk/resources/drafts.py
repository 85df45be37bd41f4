# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `drafts` resource: Messages saved before they are sent: plain sends, replies (`in_reply_to`) or forwards (`forward_of`), perhaps scheduled (`send_at`). Sending one deletes it.."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import List

from .._base_client import RequestOptions
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given
from ..types import AttachmentInputParam, Draft, Message

__all__ = ["AsyncDrafts", "Drafts"]


class Drafts(SyncAPIResource):
    """Messages saved before they are sent: plain sends, replies (`in_reply_to`) or forwards
    (`forward_of`), perhaps scheduled (`send_at`). Sending one deletes it."""

    @cached_property
    def with_raw_response(self) -> DraftsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return DraftsWithRawResponse(self)

    def retrieve(
        self,
        draft_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Draft:
        """Retrieve a draft

        Returns a draft; its attachments are described (`size`, no `content`).

        Args:
          draft_id: Draft id (`drf_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "GET", f"/v1/drafts/{path_param('draft_id', draft_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            Draft,
        )

    def update(
        self,
        draft_id: str,
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
    ) -> Draft:
        """Update a draft

        Changes the fields given: a field left out is unchanged, `null` clears it (a list becomes empty,
        `reply_all` false). Checked as on create; records `draft.updated`.

        Args:
          draft_id: Draft id (`drf_…`).
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
        """
        return self._request(
            RequestOptions(
                "PATCH",
                f"/v1/drafts/{path_param('draft_id', draft_id)}",
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
            ),
            Draft,
        )

    def delete(
        self,
        draft_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a draft

        Deletes a draft without sending it; records `draft.deleted`.

        Args:
          draft_id: Draft id (`drf_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        self._request(
            RequestOptions(
                "DELETE", f"/v1/drafts/{path_param('draft_id', draft_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            type(None),
        )

    def send(
        self,
        draft_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Send a draft

        Sends the draft the way a send, a reply (`in_reply_to`: addressed and threaded as a reply,
        `reply_all` too) or a forward (`forward_of`) would, with the same rules and errors, and deletes it
        in the same transaction (`draft.deleted` with `sent_message_id`). A reply's or forward's subject is
        its own, and a reply's `to` comes from the message replied to. With `send_at` the message is
        `scheduled`. `to` must not be empty for a send or a forward (422).

        Args:
          draft_id: Draft id (`drf_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/drafts/{path_param('draft_id', draft_id)}/send",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )


class DraftsWithRawResponse:
    def __init__(self, resource: Drafts) -> None:
        self._resource = resource
        self.retrieve = raw_wrapper(resource.retrieve)
        self.update = raw_wrapper(resource.update)
        self.delete = raw_wrapper(resource.delete)
        self.send = raw_wrapper(resource.send)


class AsyncDrafts(AsyncAPIResource):
    """Messages saved before they are sent: plain sends, replies (`in_reply_to`) or forwards
    (`forward_of`), perhaps scheduled (`send_at`). Sending one deletes it."""

    @cached_property
    def with_raw_response(self) -> AsyncDraftsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncDraftsWithRawResponse(self)

    async def retrieve(
        self,
        draft_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Draft:
        """Retrieve a draft

        Returns a draft; its attachments are described (`size`, no `content`).

        Args:
          draft_id: Draft id (`drf_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "GET", f"/v1/drafts/{path_param('draft_id', draft_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            Draft,
        )

    async def update(
        self,
        draft_id: str,
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
    ) -> Draft:
        """Update a draft

        Changes the fields given: a field left out is unchanged, `null` clears it (a list becomes empty,
        `reply_all` false). Checked as on create; records `draft.updated`.

        Args:
          draft_id: Draft id (`drf_…`).
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
        """
        return await self._request(
            RequestOptions(
                "PATCH",
                f"/v1/drafts/{path_param('draft_id', draft_id)}",
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
            ),
            Draft,
        )

    async def delete(
        self,
        draft_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a draft

        Deletes a draft without sending it; records `draft.deleted`.

        Args:
          draft_id: Draft id (`drf_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        await self._request(
            RequestOptions(
                "DELETE", f"/v1/drafts/{path_param('draft_id', draft_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            type(None),
        )

    async def send(
        self,
        draft_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Send a draft

        Sends the draft the way a send, a reply (`in_reply_to`: addressed and threaded as a reply,
        `reply_all` too) or a forward (`forward_of`) would, with the same rules and errors, and deletes it
        in the same transaction (`draft.deleted` with `sent_message_id`). A reply's or forward's subject is
        its own, and a reply's `to` comes from the message replied to. With `send_at` the message is
        `scheduled`. `to` must not be empty for a send or a forward (422).

        Args:
          draft_id: Draft id (`drf_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/drafts/{path_param('draft_id', draft_id)}/send",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )


class AsyncDraftsWithRawResponse:
    def __init__(self, resource: AsyncDrafts) -> None:
        self._resource = resource
        self.retrieve = async_raw_wrapper(resource.retrieve)
        self.update = async_raw_wrapper(resource.update)
        self.delete = async_raw_wrapper(resource.delete)
        self.send = async_raw_wrapper(resource.send)
