"""When a scheduled message may be sent: from now to 30 days ahead."""

from __future__ import annotations

from datetime import datetime, timedelta

LONGEST_DELAY = timedelta(days=30)
# A send_at a moment in the past (the clock of the caller, the request's time on the wire) is still "now".
GRACE = timedelta(seconds=60)


def send_at_error(send_at: datetime, now: datetime) -> str | None:
    """Why ``send_at`` cannot be a message's send time, or None."""
    if send_at < now - GRACE:
        return "is in the past; give a time from now to 30 days ahead"
    if send_at > now + LONGEST_DELAY:
        return "is more than 30 days ahead"
    return None
