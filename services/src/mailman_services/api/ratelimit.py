"""Rate limits: token buckets per principal, and per client address for requests without a valid token."""

from __future__ import annotations

import time
from typing import NoReturn

from quart import has_websocket_context, request, websocket

from ..config import Settings
from ..domain.errors import APIError

UNAUTHENTICATED_BURST = 20  # requests without a valid token per client address, refilled at the rate below
UNAUTHENTICATED_PER_SECOND = 1.0


class TokenBuckets:
    """Token buckets by principal or client address, kept in this process (each API process limits on its own)."""

    MAX_KEYS = 100_000  # addresses and tokens an attacker makes up must not grow the table without bound

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(burst, 1)
        self.buckets: dict[str, tuple[float, float]] = {}

    def tokens(self, key: str, now: float) -> float:
        tokens, stamp = self.buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - stamp) * self.rate)

    def has_tokens(self, key: str) -> bool:
        return self.tokens(key, time.monotonic()) >= 1

    def take(self, key: str) -> bool:
        """Take a token if there is one; False when the bucket is empty (see ``too_many``)."""
        now = time.monotonic()
        tokens = self.tokens(key, now)
        if len(self.buckets) >= self.MAX_KEYS and key not in self.buckets:
            self.buckets.clear()
        allowed = tokens >= 1
        self.buckets[key] = (tokens - 1 if allowed else tokens, now)
        return allowed


def too_many(buckets: TokenBuckets, key: str, what: str) -> NoReturn:
    wait = max(0.0, (1 - buckets.tokens(key, time.monotonic())) / buckets.rate)
    retry = max(1, int(wait + 0.999))
    raise APIError(
        429,
        "rate_limited",
        f"Too many {what}; retry in {retry} s.",
        headers={
            "Retry-After": str(retry),
            "RateLimit-Limit": str(buckets.burst),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(retry),
        },
    )


class RateLimiter:
    """Both limits of one API process; off when ``MAILMAN_RATE_LIMIT_PER_SECOND`` is 0."""

    def __init__(self, settings: Settings) -> None:
        self.backend = settings.backend
        self.principals = TokenBuckets(settings.rate_limit_per_second, settings.rate_limit_burst)
        # Requests without a valid token, per client address: guessing tokens, or a client with a wrong one.
        self.strangers = TokenBuckets(UNAUTHENTICATED_PER_SECOND, UNAUTHENTICATED_BURST)

    @property
    def enabled(self) -> bool:
        return self.principals.rate > 0

    def client_address(self) -> str:
        """Who is asking. Behind the ALB (aws) the peer is the load balancer, which appends the client's address
        to X-Forwarded-For: the last entry is the one it saw (earlier ones are whatever the client sent)."""
        incoming = websocket if has_websocket_context() else request
        if self.backend == "aws" and (forwarded := incoming.headers.get("X-Forwarded-For", "")):
            return forwarded.rsplit(",", 1)[-1].strip()
        return incoming.remote_addr or ""

    def before_lookup(self, address: str, known: bool) -> None:
        """An address out of tokens gets no query for a token it has not shown to be valid."""
        if self.enabled and not known and not self.strangers.has_tokens(address):
            too_many(self.strangers, address, "unauthenticated requests from this address")

    def refused(self, address: str) -> None:
        """A request whose token was missing or not recognised."""
        if self.enabled and not self.strangers.take(address):
            too_many(self.strangers, address, "unauthenticated requests from this address")

    def authenticated(self, principal_id: str) -> None:
        if self.enabled and not self.principals.take(principal_id):
            too_many(self.principals, principal_id, "requests for this token")
