"""Threading rules: the thread a received message joins, and the subject a new thread takes."""

from __future__ import annotations

import re
from collections.abc import Sequence

# One match, not a loop that strips a prefix at a time: a subject of a million "Re:" would take hours.
_SUBJECT_PREFIXES = re.compile(r"^(?:(?:[Rr][Ee]|[Ff][Ww][Dd]?|[Aa][Ww]|[Ss][Vv]|[Aa][Nn][Tt][Ww]):\s*)*")


def thread_subject(subject: str) -> str:
    return _SUBJECT_PREFIXES.sub("", subject.strip(), count=1)


def answered(in_reply_to: str | None, references: Sequence[str]) -> list[str]:
    """The Message-IDs a message answers: its In-Reply-To, then its References."""
    return [m for m in (in_reply_to, *references) if m]


class Replies:
    """What a reply joins: per (inbox, Message-ID), the inbox's most recent message and its thread.

    Message ids sort by creation time, so the most recent of several is the greatest.
    """

    def __init__(self) -> None:
        self._latest: dict[tuple[str, str], tuple[str, str]] = {}  # (inbox, Message-ID) -> (message, thread)

    def found(self, inbox_id: str, message_id_header: str, message_id: str, thread_id: str) -> None:
        """A stored message: it counts if no more recent one has that Message-ID."""
        key = (inbox_id, message_id_header)
        self._latest[key] = max(self._latest.get(key, ("", "")), (message_id, thread_id))

    def storing(self, inbox_id: str, message_id_header: str, message_id: str, thread_id: str) -> None:
        """A message being stored now: later ones of the same batch that answer it join its thread."""
        self._latest[(inbox_id, message_id_header)] = (message_id, thread_id)

    def thread(self, inbox_id: str, answered: Sequence[str]) -> str | None:
        """The thread of the inbox's most recent message among ``answered``; None when it has none of them."""
        found = [self._latest[(inbox_id, m)] for m in answered if (inbox_id, m) in self._latest]
        return max(found)[1] if found else None
