# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `messages` resource: Received and sent mail: list, read, label, download raw mail and attachments, send, reply and forward.."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import List

from .._base_client import RequestOptions
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given
from ..types import AttachmentInputParam, Message

__all__ = ["AsyncMessages", "Messages"]


class Messages(SyncAPIResource):
    """Received and sent mail: list, read, label, download raw mail and attachments, send, reply and
    forward."""

    @cached_property
    def with_raw_response(self) -> MessagesWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return MessagesWithRawResponse(self)

    def retrieve(
        self,
        message_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Message:
        """Retrieve a message

        Returns a message with its bodies, headers and attachment metadata.

        Args:
          message_id: Message id (`msg_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "GET",
                f"/v1/messages/{path_param('message_id', message_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Message,
        )

    def update(
        self,
        message_id: str,
        *,
        add_labels: List[str] | NotGiven = NOT_GIVEN,
        remove_labels: List[str] | NotGiven = NOT_GIVEN,
        send_at: datetime | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Message:
        """Update a message's labels or send time

        Adds and removes labels (removing a label the message does not have is not an error) and, for a
        `scheduled` message, changes `send_at` (RFC 3339, from now to 30 days ahead; 422 on `send_at`
        otherwise), recording `message.scheduled` again with the new time. Rescheduling a message that is
        not `scheduled` (it is being sent, was sent or was canceled) answers 409 `message_not_scheduled`.

        Args:
          message_id: Message id (`msg_…`).
          add_labels: Labels to add.
          remove_labels: Labels to remove.
          send_at: A new send time for a `scheduled` message (RFC 3339, from now to 30 days
            ahead); 409 `message_not_scheduled` for any other.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "PATCH",
                f"/v1/messages/{path_param('message_id', message_id)}",
                json=given({"add_labels": add_labels, "remove_labels": remove_labels, "send_at": send_at}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Message,
        )

    def delete(
        self,
        message_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a message

        Deletes the message for good: its row and search data, its raw copy, the attachment contents no
        other message holds (they are stored once per content), a stored Idempotency-Key answer holding it,
        and its bodies and preview inside recorded events, which stay, redacted. `message.deleted` (`reason:
        deleted`) is recorded and delivered to webhooks. Its thread loses it, and goes when it is left
        empty. A key limited to other inboxes gets 404.

        Args:
          message_id: Message id (`msg_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        self._request(
            RequestOptions(
                "DELETE",
                f"/v1/messages/{path_param('message_id', message_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )

    def cancel(
        self,
        message_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Cancel a scheduled message

        A `scheduled` message becomes `canceled` and is never sent; `message.canceled` is recorded. A
        message that is not `scheduled` answers 409 `message_not_scheduled` (once its time has come it is
        `queued` and on its way).

        Args:
          message_id: Message id (`msg_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/messages/{path_param('message_id', message_id)}/cancel",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )

    def raw(
        self,
        message_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> bytes:
        """Download the raw message

        Returns the message exactly as received or sent (RFC 5322).

        Args:
          message_id: Message id (`msg_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "GET",
                f"/v1/messages/{path_param('message_id', message_id)}/raw",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            bytes,
        )

    def download(
        self,
        message_id: str,
        attachment_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> bytes:
        """Download an attachment

        Returns the attachment's bytes (local backend) or redirects to a short-lived S3 URL (aws backend).

        Args:
          message_id: Message id (`msg_…`).
          attachment_id: Attachment id (`att_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "GET",
                f"/v1/messages/{path_param('message_id', message_id)}/attachments/{path_param('attachment_id', attachment_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
                follow_redirects=True,
            ),
            bytes,
        )

    def reply(
        self,
        message_id: str,
        *,
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        reply_all: bool | NotGiven = NOT_GIVEN,
        cc: List[str] | NotGiven = NOT_GIVEN,
        attachments: List[AttachmentInputParam] | NotGiven = NOT_GIVEN,
        labels: List[str] | NotGiven = NOT_GIVEN,
        send_at: datetime | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Reply to a message

        Replies from the message's inbox, in its thread: to the original sender (Reply-To when present),
        plus the original To and Cc recipients except the inbox itself with `reply_all`. The subject gets a
        `Re:` prefix and In-Reply-To/References are set. Same recipient, suppression and domain rules as
        sending; `send_at` schedules it as for a send.

        Args:
          message_id: Message id (`msg_…`).
          text: Plain-text body of the reply.
          html: HTML body of the reply.
          reply_all: Also address the original To and Cc recipients (except this inbox).
          cc: Additional Cc recipients.
          attachments: Attachments.
          labels: Labels to set on the reply.
          send_at: Send at this time instead of now (RFC 3339, from now to 30 days ahead; 422 on
            `send_at` otherwise). The message is stored with `status: scheduled` and
            `message.scheduled` is recorded; the worker sends it within a second of its time.
            Suppressions are checked again then.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/messages/{path_param('message_id', message_id)}/reply",
                json=given(
                    {
                        "text": text,
                        "html": html,
                        "reply_all": reply_all,
                        "cc": cc,
                        "attachments": attachments,
                        "labels": labels,
                        "send_at": send_at,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )

    def forward(
        self,
        message_id: str,
        *,
        to: List[str],
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        labels: List[str] | NotGiven = NOT_GIVEN,
        send_at: datetime | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Forward a message

        Forwards the message from its inbox to new recipients, with `text`/`html` as a note above the
        original. The subject gets a `Fwd:` prefix and In-Reply-To/References are set. Same recipient,
        suppression and domain rules as sending.

        Args:
          message_id: Message id (`msg_…`).
          to: Recipients to forward to.
          text: Plain-text note placed above the forwarded message.
          html: HTML note placed above the forwarded message.
          labels: Labels to set on the forward.
          send_at: Send at this time instead of now (RFC 3339, from now to 30 days ahead; 422 on
            `send_at` otherwise). The message is stored with `status: scheduled` and
            `message.scheduled` is recorded; the worker sends it within a second of its time.
            Suppressions are checked again then.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/messages/{path_param('message_id', message_id)}/forward",
                json=given({"to": to, "text": text, "html": html, "labels": labels, "send_at": send_at}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )


class MessagesWithRawResponse:
    def __init__(self, resource: Messages) -> None:
        self._resource = resource
        self.retrieve = raw_wrapper(resource.retrieve)
        self.update = raw_wrapper(resource.update)
        self.delete = raw_wrapper(resource.delete)
        self.cancel = raw_wrapper(resource.cancel)
        self.raw = raw_wrapper(resource.raw)
        self.download = raw_wrapper(resource.download)
        self.reply = raw_wrapper(resource.reply)
        self.forward = raw_wrapper(resource.forward)


class AsyncMessages(AsyncAPIResource):
    """Received and sent mail: list, read, label, download raw mail and attachments, send, reply and
    forward."""

    @cached_property
    def with_raw_response(self) -> AsyncMessagesWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncMessagesWithRawResponse(self)

    async def retrieve(
        self,
        message_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Message:
        """Retrieve a message

        Returns a message with its bodies, headers and attachment metadata.

        Args:
          message_id: Message id (`msg_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "GET",
                f"/v1/messages/{path_param('message_id', message_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Message,
        )

    async def update(
        self,
        message_id: str,
        *,
        add_labels: List[str] | NotGiven = NOT_GIVEN,
        remove_labels: List[str] | NotGiven = NOT_GIVEN,
        send_at: datetime | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Message:
        """Update a message's labels or send time

        Adds and removes labels (removing a label the message does not have is not an error) and, for a
        `scheduled` message, changes `send_at` (RFC 3339, from now to 30 days ahead; 422 on `send_at`
        otherwise), recording `message.scheduled` again with the new time. Rescheduling a message that is
        not `scheduled` (it is being sent, was sent or was canceled) answers 409 `message_not_scheduled`.

        Args:
          message_id: Message id (`msg_…`).
          add_labels: Labels to add.
          remove_labels: Labels to remove.
          send_at: A new send time for a `scheduled` message (RFC 3339, from now to 30 days
            ahead); 409 `message_not_scheduled` for any other.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "PATCH",
                f"/v1/messages/{path_param('message_id', message_id)}",
                json=given({"add_labels": add_labels, "remove_labels": remove_labels, "send_at": send_at}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Message,
        )

    async def delete(
        self,
        message_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a message

        Deletes the message for good: its row and search data, its raw copy, the attachment contents no
        other message holds (they are stored once per content), a stored Idempotency-Key answer holding it,
        and its bodies and preview inside recorded events, which stay, redacted. `message.deleted` (`reason:
        deleted`) is recorded and delivered to webhooks. Its thread loses it, and goes when it is left
        empty. A key limited to other inboxes gets 404.

        Args:
          message_id: Message id (`msg_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        await self._request(
            RequestOptions(
                "DELETE",
                f"/v1/messages/{path_param('message_id', message_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )

    async def cancel(
        self,
        message_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Cancel a scheduled message

        A `scheduled` message becomes `canceled` and is never sent; `message.canceled` is recorded. A
        message that is not `scheduled` answers 409 `message_not_scheduled` (once its time has come it is
        `queued` and on its way).

        Args:
          message_id: Message id (`msg_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/messages/{path_param('message_id', message_id)}/cancel",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )

    async def raw(
        self,
        message_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> bytes:
        """Download the raw message

        Returns the message exactly as received or sent (RFC 5322).

        Args:
          message_id: Message id (`msg_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "GET",
                f"/v1/messages/{path_param('message_id', message_id)}/raw",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            bytes,
        )

    async def download(
        self,
        message_id: str,
        attachment_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> bytes:
        """Download an attachment

        Returns the attachment's bytes (local backend) or redirects to a short-lived S3 URL (aws backend).

        Args:
          message_id: Message id (`msg_…`).
          attachment_id: Attachment id (`att_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "GET",
                f"/v1/messages/{path_param('message_id', message_id)}/attachments/{path_param('attachment_id', attachment_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
                follow_redirects=True,
            ),
            bytes,
        )

    async def reply(
        self,
        message_id: str,
        *,
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        reply_all: bool | NotGiven = NOT_GIVEN,
        cc: List[str] | NotGiven = NOT_GIVEN,
        attachments: List[AttachmentInputParam] | NotGiven = NOT_GIVEN,
        labels: List[str] | NotGiven = NOT_GIVEN,
        send_at: datetime | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Reply to a message

        Replies from the message's inbox, in its thread: to the original sender (Reply-To when present),
        plus the original To and Cc recipients except the inbox itself with `reply_all`. The subject gets a
        `Re:` prefix and In-Reply-To/References are set. Same recipient, suppression and domain rules as
        sending; `send_at` schedules it as for a send.

        Args:
          message_id: Message id (`msg_…`).
          text: Plain-text body of the reply.
          html: HTML body of the reply.
          reply_all: Also address the original To and Cc recipients (except this inbox).
          cc: Additional Cc recipients.
          attachments: Attachments.
          labels: Labels to set on the reply.
          send_at: Send at this time instead of now (RFC 3339, from now to 30 days ahead; 422 on
            `send_at` otherwise). The message is stored with `status: scheduled` and
            `message.scheduled` is recorded; the worker sends it within a second of its time.
            Suppressions are checked again then.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/messages/{path_param('message_id', message_id)}/reply",
                json=given(
                    {
                        "text": text,
                        "html": html,
                        "reply_all": reply_all,
                        "cc": cc,
                        "attachments": attachments,
                        "labels": labels,
                        "send_at": send_at,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )

    async def forward(
        self,
        message_id: str,
        *,
        to: List[str],
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        labels: List[str] | NotGiven = NOT_GIVEN,
        send_at: datetime | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Forward a message

        Forwards the message from its inbox to new recipients, with `text`/`html` as a note above the
        original. The subject gets a `Fwd:` prefix and In-Reply-To/References are set. Same recipient,
        suppression and domain rules as sending.

        Args:
          message_id: Message id (`msg_…`).
          to: Recipients to forward to.
          text: Plain-text note placed above the forwarded message.
          html: HTML note placed above the forwarded message.
          labels: Labels to set on the forward.
          send_at: Send at this time instead of now (RFC 3339, from now to 30 days ahead; 422 on
            `send_at` otherwise). The message is stored with `status: scheduled` and
            `message.scheduled` is recorded; the worker sends it within a second of its time.
            Suppressions are checked again then.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/messages/{path_param('message_id', message_id)}/forward",
                json=given({"to": to, "text": text, "html": html, "labels": labels, "send_at": send_at}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )


class AsyncMessagesWithRawResponse:
    def __init__(self, resource: AsyncMessages) -> None:
        self._resource = resource
        self.retrieve = async_raw_wrapper(resource.retrieve)
        self.update = async_raw_wrapper(resource.update)
        self.delete = async_raw_wrapper(resource.delete)
        self.cancel = async_raw_wrapper(resource.cancel)
        self.raw = async_raw_wrapper(resource.raw)
        self.download = async_raw_wrapper(resource.download)
        self.reply = async_raw_wrapper(resource.reply)
        self.forward = async_raw_wrapper(resource.forward)
