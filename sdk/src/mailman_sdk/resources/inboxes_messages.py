# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `inboxes.messages` resource."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import List, Literal

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given, query
from .._waiting import AsyncWaitForMessage, WaitForMessage
from ..types import (
    AttachmentInputParam,
    BatchSendResult,
    Message,
    MessageDirection,
    MessageStatus,
    SendMessageRequestParam,
)

__all__ = ["AsyncInboxesMessages", "InboxesMessages"]


class InboxesMessages(SyncAPIResource, WaitForMessage):
    @cached_property
    def with_raw_response(self) -> InboxesMessagesWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return InboxesMessagesWithRawResponse(self)

    def list(
        self,
        inbox_id: str,
        *,
        direction: MessageDirection | NotGiven = NOT_GIVEN,
        status: MessageStatus | NotGiven = NOT_GIVEN,
        label: str | NotGiven = NOT_GIVEN,
        thread_id: str | NotGiven = NOT_GIVEN,
        q: str | NotGiven = NOT_GIVEN,
        after: datetime | str | NotGiven = NOT_GIVEN,
        wait: float | NotGiven = NOT_GIVEN,
        before: datetime | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Message]:
        """List an inbox's messages

        Lists the inbox's messages, newest first. Filters combine with AND. Each message is bounded to keep
        pages small whatever the mail's size (see `truncated`); retrieve one for all of it.

        Args:
          inbox_id: Inbox id (`inb_…`).
          direction: Only inbound or only outbound messages.
          status: Only messages with this status.
          label: Only messages with this label.
          thread_id: Only messages of this thread (`thr_…`).
          q: Full-text search over the subject, the sender's address and name and the text body
            (the first 2,000 characters of the subject, 1,000 of the sender's address and of the
            name, 80,000 of the text). Case-insensitive; every term must match (AND), a term
            written `-term` must not. A word is a run of letters and digits (with their
            combining marks); words joined by single `.`, `@` or `-` make one term
            (`ada@example.com`, `example.com`, `foo-bar`, `3.14`), which matches the same
            characters in a message, while a word alone also matches inside them (`example`
            finds `ada@example.com`). Other characters, quotes included, only separate words:
            there is no phrase search, prefix matching or stemming. A `q` with no word matches
            no message.
          after: Only messages created strictly after this time, or newer than this message when
            it is a message id (`msg_…`; ids sort by creation). With `wait` and a message id,
            the messages stored (committed) after that message, whatever their ids (an id is
            made before its message commits, so a smaller id can commit later); pass the id of
            the first message of the previous `wait` answer and no message is missed or
            repeated. An id of no message of this inbox (a deleted one) falls back to newer ids.
          wait: Long-poll for up to this many seconds (at most 60; more answers 422): the answer
            comes as soon as a message matching every filter is stored after `after` (`after`
            left out: after the request arrives), or as an empty page when the time is up. 0 or
            left out answers at once. The answer holds the first `limit` messages stored after
            `after`, the last stored first, and no `next_cursor`: its first message's id is the
            next `after`, and those that did not fit come with the next wait. Not with `cursor`
            (422). The guarantee holds for ids from `wait` answers (which list only messages
            already numbered in storing order); with an id from a list without `wait`, a message
            whose transaction was still open when that list ran and whose id is smaller may
            count as stored before it.
          before: Only messages created strictly before this time.
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/messages",
                params=query(
                    {
                        "direction": direction,
                        "status": status,
                        "label": label,
                        "thread_id": thread_id,
                        "q": q,
                        "after": after,
                        "wait": wait,
                        "before": before,
                        "limit": limit,
                        "cursor": cursor,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Message],
        )

    def send(
        self,
        inbox_id: str,
        *,
        to: List[str],
        cc: List[str] | NotGiven = NOT_GIVEN,
        bcc: List[str] | NotGiven = NOT_GIVEN,
        reply_to: List[str] | NotGiven = NOT_GIVEN,
        subject: str | NotGiven = NOT_GIVEN,
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        headers: dict[str, str] | NotGiven = NOT_GIVEN,
        attachments: List[AttachmentInputParam] | NotGiven = NOT_GIVEN,
        labels: List[str] | NotGiven = NOT_GIVEN,
        send_at: datetime | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Send a message

        Sends a message from the inbox. It is validated, stored with `status: queued` and sent
        asynchronously; follow it with `message.sent`, `message.delivered`, `message.bounced` … events. From
        is the inbox address with the inbox name; the Message-ID is `<msg_…@domain>`. At least one of `text`
        and `html` is required; at most 50 recipients; suppressed recipients are dropped (422
        `all_recipients_suppressed` when none remain); 422 `domain_not_verified` when the inbox's domain is
        not verified. With `send_at` it is stored as `scheduled` instead and sent at that time (reschedule
        with `PATCH /v1/messages/{message_id}`, cancel with `POST /v1/messages/{message_id}/cancel`).

        Args:
          inbox_id: Inbox id (`inb_…`).
          to: To recipients.
          cc: Cc recipients.
          bcc: Bcc recipients.
          reply_to: Reply-To addresses.
          subject: Subject line, as text (never pre-encoded MIME; Mailman encodes it). Line
            breaks of any kind (CR, LF, VT, FF, U+0085, U+2028, U+2029) answer 422, as they do
            in display names, header values, file names, `content_id` and inbox names.
          text: Plain-text body.
          html: HTML body.
          headers: Extra headers to add, name → value. Values are text, encoded by Mailman where
            needed (an `=?…?=` in a value is sent as those characters, not decoded). Headers
            Mailman or mail servers write cannot be set (422 on `headers.<name>`) - From, To,
            Cc, Bcc, Reply-To, Subject, Date, Message-ID, In-Reply-To, References, Sender, MIME-
            Version, Content-*, Return-Path, Received, Resent-*, DKIM-Signature, Authentication-
            Results, ARC-*).
          attachments: Attachments.
          labels: Labels to set on the sent message.
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
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/messages",
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
                        "send_at": send_at,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )

    def batch(
        self,
        inbox_id: str,
        *,
        messages: List[SendMessageRequestParam],
        mode: Literal["strict", "permissive"] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> BatchSendResult:
        """Send up to 100 messages at once

        Sends 1 to 100 messages from the inbox in one request (more, or none, answers 422
        `validation_failed` on `messages`). Each item is a `SendMessageRequest` and is checked and stored
        exactly as `POST /v1/inboxes/{inbox_id}/messages` would: attachments and `send_at` included,
        suppressed recipients dropped, the same events recorded per message. The items are independent: each
        message starts a thread of its own.

        `mode: strict` (the default) sends all or none: when any item is invalid nothing is stored, no job
        is queued and no event recorded, and the answer is 422 `batch_invalid` whose `errors` name each
        field as `messages[<index>].<field>` (`messages[<index>]` for a problem of the whole item, such as
        `all_recipients_suppressed`) and whose `failures` hold each invalid item's own problem. `mode:
        permissive` sends the valid items and answers 207 with, in order, `{"index", "message"}` for each
        one sent and `{"index", "error"}` (the problem the single send would have answered) for each one
        refused; every item valid answers 202 as in strict mode. Either way the messages sent are stored in
        one transaction with their jobs.

        The whole body counts against the 40 MB request limit (attachments included: base64 makes 30 MB of
        files about 40 MB). One `Idempotency-Key` covers the whole batch: a replay answers the same results
        and sends nothing again; once any message of the answer is deleted the key answers 409
        `idempotency_key_answer_deleted`. A batch is one request for the rate limit (one token of the
        bucket), whatever its size. A string that cannot be stored (NUL) anywhere in the body refuses the
        whole batch with 422 `validation_failed` naming its field, in either mode; so does a missing inbox
        (404) or one outside a scoped key's inboxes.

        Args:
          inbox_id: Inbox id (`inb_…`).
          messages: The messages, each as the single send takes it; answers keep their order
            (`index`).
          mode: `strict`: any invalid item sends none (422 `batch_invalid`). `permissive`: the
            valid items are sent and each invalid one answers its problem (207).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/messages/batch",
                json=given({"messages": messages, "mode": mode}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            BatchSendResult,
        )


class InboxesMessagesWithRawResponse:
    def __init__(self, resource: InboxesMessages) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.send = raw_wrapper(resource.send)
        self.batch = raw_wrapper(resource.batch)


class AsyncInboxesMessages(AsyncAPIResource, AsyncWaitForMessage):
    @cached_property
    def with_raw_response(self) -> AsyncInboxesMessagesWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncInboxesMessagesWithRawResponse(self)

    def list(
        self,
        inbox_id: str,
        *,
        direction: MessageDirection | NotGiven = NOT_GIVEN,
        status: MessageStatus | NotGiven = NOT_GIVEN,
        label: str | NotGiven = NOT_GIVEN,
        thread_id: str | NotGiven = NOT_GIVEN,
        q: str | NotGiven = NOT_GIVEN,
        after: datetime | str | NotGiven = NOT_GIVEN,
        wait: float | NotGiven = NOT_GIVEN,
        before: datetime | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Message]:
        """List an inbox's messages

        Lists the inbox's messages, newest first. Filters combine with AND. Each message is bounded to keep
        pages small whatever the mail's size (see `truncated`); retrieve one for all of it.

        Args:
          inbox_id: Inbox id (`inb_…`).
          direction: Only inbound or only outbound messages.
          status: Only messages with this status.
          label: Only messages with this label.
          thread_id: Only messages of this thread (`thr_…`).
          q: Full-text search over the subject, the sender's address and name and the text body
            (the first 2,000 characters of the subject, 1,000 of the sender's address and of the
            name, 80,000 of the text). Case-insensitive; every term must match (AND), a term
            written `-term` must not. A word is a run of letters and digits (with their
            combining marks); words joined by single `.`, `@` or `-` make one term
            (`ada@example.com`, `example.com`, `foo-bar`, `3.14`), which matches the same
            characters in a message, while a word alone also matches inside them (`example`
            finds `ada@example.com`). Other characters, quotes included, only separate words:
            there is no phrase search, prefix matching or stemming. A `q` with no word matches
            no message.
          after: Only messages created strictly after this time, or newer than this message when
            it is a message id (`msg_…`; ids sort by creation). With `wait` and a message id,
            the messages stored (committed) after that message, whatever their ids (an id is
            made before its message commits, so a smaller id can commit later); pass the id of
            the first message of the previous `wait` answer and no message is missed or
            repeated. An id of no message of this inbox (a deleted one) falls back to newer ids.
          wait: Long-poll for up to this many seconds (at most 60; more answers 422): the answer
            comes as soon as a message matching every filter is stored after `after` (`after`
            left out: after the request arrives), or as an empty page when the time is up. 0 or
            left out answers at once. The answer holds the first `limit` messages stored after
            `after`, the last stored first, and no `next_cursor`: its first message's id is the
            next `after`, and those that did not fit come with the next wait. Not with `cursor`
            (422). The guarantee holds for ids from `wait` answers (which list only messages
            already numbered in storing order); with an id from a list without `wait`, a message
            whose transaction was still open when that list ran and whose id is smaller may
            count as stored before it.
          before: Only messages created strictly before this time.
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/messages",
                params=query(
                    {
                        "direction": direction,
                        "status": status,
                        "label": label,
                        "thread_id": thread_id,
                        "q": q,
                        "after": after,
                        "wait": wait,
                        "before": before,
                        "limit": limit,
                        "cursor": cursor,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Message],
        )

    async def send(
        self,
        inbox_id: str,
        *,
        to: List[str],
        cc: List[str] | NotGiven = NOT_GIVEN,
        bcc: List[str] | NotGiven = NOT_GIVEN,
        reply_to: List[str] | NotGiven = NOT_GIVEN,
        subject: str | NotGiven = NOT_GIVEN,
        text: str | NotGiven | None = NOT_GIVEN,
        html: str | NotGiven | None = NOT_GIVEN,
        headers: dict[str, str] | NotGiven = NOT_GIVEN,
        attachments: List[AttachmentInputParam] | NotGiven = NOT_GIVEN,
        labels: List[str] | NotGiven = NOT_GIVEN,
        send_at: datetime | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Message:
        """Send a message

        Sends a message from the inbox. It is validated, stored with `status: queued` and sent
        asynchronously; follow it with `message.sent`, `message.delivered`, `message.bounced` … events. From
        is the inbox address with the inbox name; the Message-ID is `<msg_…@domain>`. At least one of `text`
        and `html` is required; at most 50 recipients; suppressed recipients are dropped (422
        `all_recipients_suppressed` when none remain); 422 `domain_not_verified` when the inbox's domain is
        not verified. With `send_at` it is stored as `scheduled` instead and sent at that time (reschedule
        with `PATCH /v1/messages/{message_id}`, cancel with `POST /v1/messages/{message_id}/cancel`).

        Args:
          inbox_id: Inbox id (`inb_…`).
          to: To recipients.
          cc: Cc recipients.
          bcc: Bcc recipients.
          reply_to: Reply-To addresses.
          subject: Subject line, as text (never pre-encoded MIME; Mailman encodes it). Line
            breaks of any kind (CR, LF, VT, FF, U+0085, U+2028, U+2029) answer 422, as they do
            in display names, header values, file names, `content_id` and inbox names.
          text: Plain-text body.
          html: HTML body.
          headers: Extra headers to add, name → value. Values are text, encoded by Mailman where
            needed (an `=?…?=` in a value is sent as those characters, not decoded). Headers
            Mailman or mail servers write cannot be set (422 on `headers.<name>`) - From, To,
            Cc, Bcc, Reply-To, Subject, Date, Message-ID, In-Reply-To, References, Sender, MIME-
            Version, Content-*, Return-Path, Received, Resent-*, DKIM-Signature, Authentication-
            Results, ARC-*).
          attachments: Attachments.
          labels: Labels to set on the sent message.
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
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/messages",
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
                        "send_at": send_at,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Message,
        )

    async def batch(
        self,
        inbox_id: str,
        *,
        messages: List[SendMessageRequestParam],
        mode: Literal["strict", "permissive"] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> BatchSendResult:
        """Send up to 100 messages at once

        Sends 1 to 100 messages from the inbox in one request (more, or none, answers 422
        `validation_failed` on `messages`). Each item is a `SendMessageRequest` and is checked and stored
        exactly as `POST /v1/inboxes/{inbox_id}/messages` would: attachments and `send_at` included,
        suppressed recipients dropped, the same events recorded per message. The items are independent: each
        message starts a thread of its own.

        `mode: strict` (the default) sends all or none: when any item is invalid nothing is stored, no job
        is queued and no event recorded, and the answer is 422 `batch_invalid` whose `errors` name each
        field as `messages[<index>].<field>` (`messages[<index>]` for a problem of the whole item, such as
        `all_recipients_suppressed`) and whose `failures` hold each invalid item's own problem. `mode:
        permissive` sends the valid items and answers 207 with, in order, `{"index", "message"}` for each
        one sent and `{"index", "error"}` (the problem the single send would have answered) for each one
        refused; every item valid answers 202 as in strict mode. Either way the messages sent are stored in
        one transaction with their jobs.

        The whole body counts against the 40 MB request limit (attachments included: base64 makes 30 MB of
        files about 40 MB). One `Idempotency-Key` covers the whole batch: a replay answers the same results
        and sends nothing again; once any message of the answer is deleted the key answers 409
        `idempotency_key_answer_deleted`. A batch is one request for the rate limit (one token of the
        bucket), whatever its size. A string that cannot be stored (NUL) anywhere in the body refuses the
        whole batch with 422 `validation_failed` naming its field, in either mode; so does a missing inbox
        (404) or one outside a scoped key's inboxes.

        Args:
          inbox_id: Inbox id (`inb_…`).
          messages: The messages, each as the single send takes it; answers keep their order
            (`index`).
          mode: `strict`: any invalid item sends none (422 `batch_invalid`). `permissive`: the
            valid items are sent and each invalid one answers its problem (207).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/inboxes/{path_param('inbox_id', inbox_id)}/messages/batch",
                json=given({"messages": messages, "mode": mode}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            BatchSendResult,
        )


class AsyncInboxesMessagesWithRawResponse:
    def __init__(self, resource: AsyncInboxesMessages) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.send = async_raw_wrapper(resource.send)
        self.batch = async_raw_wrapper(resource.batch)
