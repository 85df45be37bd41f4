"""The Quart app factory: request ids, auth, rate limits, idempotency, problem+json and access logs."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from typing import Any, NoReturn

from quart import Quart, Response, g, request
from sqlalchemy import func, select, update
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from .. import logs
from ..bootstrap import Services
from ..db.engine import autocommit
from ..db.schema import api_keys
from ..domain.errors import APIError, FieldError
from ..domain.secrets import hash_token, tokens_equal
from ..handlers import idempotency
from .http import Principal, dumps, raw_body, unstorable_text

log = logging.getLogger("mailman.api")

MAX_BODY = 40 * 1024 * 1024
KEY_CACHE_SECONDS = 10.0
UNAUTHENTICATED_BURST = 20  # requests without a valid token per client address, refilled at the rate below
UNAUTHENTICATED_PER_SECOND = 1.0
LAST_USED_EVERY = 60.0  # seconds between last_used_at writes for one key
_NOT_REPLAYED = frozenset({"x-request-id", "content-length", "date", "server"})  # per response, not per request
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_STATUS_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def problem(error: APIError) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:mailman:error:{error.code}",
        "title": _STATUS_TITLES.get(error.status, "Error"),
        "status": error.status,
        "detail": error.detail,
        "code": error.code,
        "request_id": g.get("request_id", ""),
    }
    if error.errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in error.errors]
    response = Response(dumps(body), status=error.status, content_type="application/problem+json")
    response.headers.update(error.headers)
    if error.status == 409:
        # Only an in-flight idempotent request is worth retrying; a taken address stays taken.
        response.headers["X-Should-Retry"] = "true" if error.code == "idempotency_key_in_use" else "false"
    return response


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
        """Take a token if there is one; False when the bucket is empty (see ``_too_many``)."""
        now = time.monotonic()
        tokens = self.tokens(key, now)
        if len(self.buckets) >= self.MAX_KEYS and key not in self.buckets:
            self.buckets.clear()
        allowed = tokens >= 1
        self.buckets[key] = (tokens - 1 if allowed else tokens, now)
        return allowed


def _too_many(buckets: TokenBuckets, key: str, what: str) -> NoReturn:
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


def _client_address(backend: str) -> str:
    """Who is asking. Behind the ALB (aws) the peer is the load balancer, which appends the client's address
    to X-Forwarded-For: the last entry is the one it saw (earlier ones are whatever the client sent)."""
    if backend == "aws" and (forwarded := request.headers.get("X-Forwarded-For", "")):
        return forwarded.rsplit(",", 1)[-1].strip()
    return request.remote_addr or ""


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
            async with autocommit(self.svc.engine) as conn:
                row = (
                    await conn.execute(
                        select(api_keys.c.id, api_keys.c.inbox_ids).where(api_keys.c.key_hash == hash_token(token))
                    )
                ).first()
            found = (
                None if row is None else Principal(row.id, None if row.inbox_ids is None else frozenset(row.inbox_ids))
            )
            if len(self.cache) >= self.MAX_CACHED:
                self.cache.clear()
            self.cache[token] = (found, now + KEY_CACHE_SECONDS)
        if found is not None and now - self.last_used.get(found.id, -LAST_USED_EVERY) >= LAST_USED_EVERY:
            self.last_used[found.id] = now
            async with self.svc.engine.begin() as conn:
                await conn.execute(update(api_keys).where(api_keys.c.id == found.id).values(last_used_at=func.now()))
        return found


_EARLY_ANSWERS = frozenset({401, 403, 413, 429})  # statuses given before a request's body is read


def _has_body() -> bool:
    return request.content_length not in (None, 0) or "chunked" in request.headers.get("Transfer-Encoding", "")


def _request_line() -> bytes:
    return f"{request.method} {request.path}?{request.query_string.decode()}\n".encode()


def create_app(svc: Services) -> Quart:
    from . import api_keys as api_keys_bp
    from . import domains, events, inboxes, messages, suppressions, system, threads, webhooks

    app = Quart("mailman_services")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["mailman"] = svc
    authenticator = Authenticator(svc)
    app.extensions["mailman.auth"] = authenticator
    limiter = TokenBuckets(svc.settings.rate_limit_per_second, svc.settings.rate_limit_burst)
    # Requests without a valid token, per client address: guessing tokens, or a client with a wrong one.
    strangers = TokenBuckets(UNAUTHENTICATED_PER_SECOND, UNAUTHENTICATED_BURST)

    for module in (system, domains, inboxes, messages, threads, webhooks, events, suppressions, api_keys_bp):
        app.register_blueprint(module.blueprint)

    @app.before_request
    async def start() -> Response | None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if incoming and _REQUEST_ID_RE.match(incoming) else f"req_{os.urandom(12).hex()}"
        if not request.path.startswith("/v1/"):
            return None
        if unstorable_text(request.view_args or {}) is not None:
            raise APIError(404, "not_found", "No such resource: the path holds characters no id contains.")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        address = _client_address(svc.settings.backend)
        if limiter.rate > 0 and not strangers.has_tokens(address) and not authenticator.cached(token):
            _too_many(strangers, address, "unauthenticated requests from this address")  # no query for them
        found = await authenticator.principal(token) if token else None
        if found is None:
            if limiter.rate > 0 and not strangers.take(address):
                _too_many(strangers, address, "unauthenticated requests from this address")
            detail = (
                "The token is not recognised: it may be mistyped, deleted, or from another deployment."
                if token
                else "Send 'Authorization: Bearer <token>' with the bootstrap token or an API key."
            )
            raise APIError(401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="mailman"'})
        g.principal = found
        if limiter.rate > 0 and not limiter.take(found.id):
            _too_many(limiter, found.id, "requests for this token")
        if request.method == "POST" and "Idempotency-Key" in request.headers:
            return await _idempotency_start(found)
        return None

    async def _idempotency_start(found: Principal) -> Response | None:
        key = request.headers["Idempotency-Key"]
        if not 1 <= len(key) <= 255:
            raise APIError(
                422,
                "validation_failed",
                "Idempotency-Key must be 1 to 255 characters long.",
                [FieldError("Idempotency-Key", "must be 1 to 255 characters long")],
            )
        claim = idempotency.Claim(found.id, key)
        replay = await idempotency.begin(svc.engine, claim, _request_line() + await raw_body())
        if replay is None:
            g.idempotency = claim
            return None
        response = Response(replay.body, status=replay.status)
        response.headers.update(replay.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.after_request
    async def finish(response: Response) -> Response:
        claim = g.pop("idempotency", None)
        if claim is not None:
            if response.status_code >= 500:
                await idempotency.release(svc.engine, claim)
            else:
                headers = {k: v for k, v in response.headers.items() if k.lower() not in _NOT_REPLAYED}
                body = await response.get_data(as_text=False)
                await idempotency.record(svc.engine, claim, idempotency.Answer(response.status_code, headers, body))
        if response.status_code in _EARLY_ANSWERS and _has_body():
            # Answered before the body was read: what is left of it would be read as the next request, so the
            # connection ends here and a keep-alive client opens another one.
            response.headers["Connection"] = "close"
        request_id = g.get("request_id", "")
        response.headers["X-Request-Id"] = request_id
        logs.access.write(
            {
                "message": "request",
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 2),
                "principal": getattr(g.get("principal"), "id", None),
            }
        )
        return response

    @app.teardown_request
    async def abandoned(error: BaseException | None) -> None:
        # Still claimed here: the request ended without an answer (its client went away and it was cancelled,
        # or it crashed past the error handlers). Released, so the client's retry is not refused with 409.
        claim = g.pop("idempotency", None)
        if claim is not None:
            await asyncio.shield(idempotency.release(svc.engine, claim))

    @app.errorhandler(APIError)
    async def api_error(error: APIError) -> Response:
        return problem(error)

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code = _HTTP_CODES.get(status, "http_error")
        detail = error.description or _STATUS_TITLES.get(status, "Error")
        if status == 413:
            detail = f"The request body is larger than {MAX_BODY // (1024 * 1024)} MB."
        elif status == 404:
            detail = f"No route for {request.method} {request.path}."
        headers = {}
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return problem(APIError(status, code, detail, headers=headers))

    @app.errorhandler(Exception)
    async def unexpected(error: Exception) -> Response:
        log.exception("unhandled error", extra={"request_id": g.get("request_id")})
        return problem(APIError(500, "internal_error", "Something went wrong on our side; it has been logged."))

    return app
