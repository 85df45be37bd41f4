"""``inboxes.messages.wait``: the next message to an inbox, by long-polling ``GET …/messages?wait=``.

Mixed into the generated ``inboxes.messages`` resources (sync and async).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from ._types import NOT_GIVEN, NotGiven, Timeout

if TYPE_CHECKING:
    from ._pagination import AsyncPaginator, SyncCursorPage
    from .types import Message

__all__ = ["AsyncWaitForMessage", "WaitForMessage"]

MAX_POLL = 60.0  # the API's longest wait
SLACK = 15.0  # seconds the HTTP request may take beyond the server's wait
PAGE = 100
_EVERYTHING = datetime(1970, 1, 1, tzinfo=UTC)  # ``after`` for an inbox with no mail yet


class _Lists(Protocol):
    def list(
        self,
        inbox_id: str,
        *,
        after: datetime | str | NotGiven = NOT_GIVEN,
        wait: float | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Message]: ...


class _AsyncLists(Protocol):
    def list(
        self,
        inbox_id: str,
        *,
        after: datetime | str | NotGiven = NOT_GIVEN,
        wait: float | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Message]: ...


def _matches(message: Message, subject: str | None, from_: str | None) -> bool:
    if subject is not None and subject.casefold() not in message.subject.casefold():
        return False
    return from_ is None or message.from_.address.casefold() == from_.strip().casefold()


def _first_match(page: list[Message], subject: str | None, from_: str | None) -> Message | None:
    """The oldest matching message of a page (pages are newest first)."""
    return next((m for m in reversed(page) if _matches(m, subject, from_)), None)


def _timed_out(inbox_id: str, timeout: float) -> TimeoutError:
    return TimeoutError(f"no matching message arrived in inbox {inbox_id} within {timeout:g} s")


class WaitForMessage:
    def wait(
        self: _Lists,
        inbox_id: str,
        *,
        timeout: float = 30,
        subject: str | None = None,
        from_: str | None = None,
        after: datetime | str | None = None,
    ) -> Message:
        """Wait for the next message to the inbox and return it; raise ``TimeoutError`` after ``timeout`` seconds.

        Args:
          inbox_id: Inbox id (`inb_…`).
          timeout: seconds to wait in all (each request long-polls the API for up to 60).
          subject: only a message whose subject contains this (case-insensitively).
          from_: only a message from this address (case-insensitively).
          after: only messages newer than this message id (`msg_…`) or time; left out, those stored after
            the call starts. Pass the id of the newest message you know of to miss none sent just before.
        """
        deadline = time.monotonic() + timeout
        if after is None:  # the boundary is fixed once, so nothing stored between two polls is missed
            newest = self.list(inbox_id, limit=1).data
            after = newest[0].id if newest else _EVERYTHING
        since = after
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timed_out(inbox_id, timeout)
            poll = min(remaining, MAX_POLL)
            page = self.list(inbox_id, after=since, wait=poll, limit=PAGE, timeout=poll + SLACK).data
            found = _first_match(page, subject, from_)
            if found is not None:
                return found
            if page:
                since = page[0].id


class AsyncWaitForMessage:
    async def wait(
        self: _AsyncLists,
        inbox_id: str,
        *,
        timeout: float = 30,  # noqa: ASYNC109 - the same call as the sync client's, not a cancel scope
        subject: str | None = None,
        from_: str | None = None,
        after: datetime | str | None = None,
    ) -> Message:
        """Wait for the next message to the inbox and return it; raise ``TimeoutError`` after ``timeout`` seconds.

        The same as the sync client's ``wait``.
        """
        deadline = time.monotonic() + timeout
        if after is None:
            newest = (await self.list(inbox_id, limit=1)).data
            after = newest[0].id if newest else _EVERYTHING
        since = after
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _timed_out(inbox_id, timeout)
            poll = min(remaining, MAX_POLL)
            page = (await self.list(inbox_id, after=since, wait=poll, limit=PAGE, timeout=poll + SLACK)).data
            found = _first_match(page, subject, from_)
            if found is not None:
                return found
            if page:
                since = page[0].id
