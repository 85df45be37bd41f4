"""Bearer tokens: the bootstrap token or an API key, resolved to the request's principal before any route."""

from __future__ import annotations

import time

from quart import Quart, current_app, g, has_websocket_context, request, websocket

from ..bootstrap import Services
from ..domain.errors import APIError
from ..domain.secrets import tokens_equal
from ..handlers import api_keys
from .http import Principal, unstorable_text
from .ratelimit import RateLimiter

KEY_CACHE_SECONDS = 10.0
LAST_USED_EVERY = 60.0  # seconds between last_used_at writes for one key


class Authenticator:
    """Resolves bearer tokens to principals, caching API keys briefly to keep the hot path off the database."""

    MAX_CACHED = 10_000  # random tokens must not grow the cache without bound

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.cache: dict[str, tuple[Principal | None, float]] = {}
        self.last_used: dict[str, float] = {}

    def forget(self) -> None:
        self.cache.clear()

    def _bootstrap(self, token: str) -> bool:
        bootstrap = self.svc.settings.api_token
        return bootstrap is not None and tokens_equal(token, bootstrap)

    def cached(self, token: str) -> bool:
        """Whether ``token`` is answered without a query: the bootstrap token, or an API key looked up lately."""
        known = self.cache.get(token)
        return self._bootstrap(token) or (known is not None and known[0] is not None and known[1] > time.monotonic())

    async def principal(self, token: str) -> Principal | None:
        if self._bootstrap(token):
            return Principal("admin")
        if not token.startswith("mm_") or len(token) > 200:
            return None
        now = time.monotonic()
        cached = self.cache.get(token)
        if cached is not None and cached[1] > now:
            found = cached[0]
        else:
            key = await api_keys.find(self.svc.database, token)
            found = None if key is None else Principal(key[0], None if key[1] is None else frozenset(key[1]))
            if len(self.cache) >= self.MAX_CACHED:
                self.cache.clear()
            self.cache[token] = (found, now + KEY_CACHE_SECONDS)
        if found is not None and now - self.last_used.get(found.id, -LAST_USED_EVERY) >= LAST_USED_EVERY:
            self.last_used[found.id] = now
            await api_keys.touch(self.svc.database, found.id)
        return found


def authenticator() -> Authenticator:
    result: Authenticator = current_app.extensions["mailman.auth"]
    return result


def rate_limiter() -> RateLimiter:
    """The process's limits, which the console's sign-in form counts against too."""
    result: RateLimiter = current_app.extensions["mailman.ratelimit"]
    return result


def init_app(app: Quart, svc: Services, limiter: RateLimiter) -> None:
    """Every /v1/ request is authenticated (401 otherwise) and counted against its rate limits."""
    auth = app.extensions["mailman.auth"] = Authenticator(svc)
    app.extensions["mailman.ratelimit"] = limiter

    @app.before_request
    @app.before_websocket
    async def authenticate() -> None:
        incoming = websocket if has_websocket_context() else request
        # Every route, the console's too: such a path reaches no row, and PostgreSQL would refuse it (a 500).
        if unstorable_text(incoming.view_args or {}) is not None:
            raise APIError(404, "not_found", "No such resource: the path holds characters no id contains.")
        if not incoming.path.startswith("/v1/"):
            return
        scheme, _, token = incoming.headers.get("Authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        if not token and incoming is websocket:
            token = websocket.args.get("token", "")  # browsers cannot set headers on a WebSocket
        address = limiter.client_address()
        limiter.before_lookup(address, auth.cached(token))
        found = await auth.principal(token) if token else None
        if found is None:
            limiter.refused(address)
            detail = (
                "The token is not recognised: it may be mistyped, deleted, or from another deployment."
                if token
                else "Send 'Authorization: Bearer <token>' with the bootstrap token or an API key."
            )
            raise APIError(401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="mailman"'})
        g.principal = found
        limiter.authenticated(found.id)
