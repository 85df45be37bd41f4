"""Idempotency-Key on POSTs: the claim before the route, the answer kept after it, the claim released on failure."""

from __future__ import annotations

import asyncio

from quart import Quart, Response, g, request

from ..bootstrap import Services
from ..domain.errors import APIError, FieldError
from ..handlers import idempotency
from .http import principal, raw_body

_NOT_REPLAYED = frozenset({"x-request-id", "content-length", "date", "server"})  # per response, not per request


def _request_line() -> bytes:
    return f"{request.method} {request.path}?{request.query_string.decode()}\n".encode()


def init_app(app: Quart, svc: Services) -> None:
    """Registered after auth: a claim belongs to the authenticated principal."""

    @app.before_request
    async def claim() -> Response | None:
        if request.method != "POST" or "Idempotency-Key" not in request.headers or "principal" not in g:
            return None
        key = request.headers["Idempotency-Key"]
        if not 1 <= len(key) <= 255:
            raise APIError(
                422,
                "validation_failed",
                "Idempotency-Key must be 1 to 255 characters long.",
                [FieldError("Idempotency-Key", "must be 1 to 255 characters long")],
            )
        claim = idempotency.Claim(principal().id, key)
        replay = await idempotency.begin(svc.database, claim, _request_line() + await raw_body())
        if replay is None:
            g.idempotency = claim
            return None
        response = Response(replay.body, status=replay.status)
        response.headers.update(replay.headers)
        response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.after_request
    async def keep(response: Response) -> Response:
        claim = g.pop("idempotency", None)
        if claim is not None:
            if response.status_code >= 500:
                await idempotency.release(svc.database, claim)
            else:
                headers = {k: v for k, v in response.headers.items() if k.lower() not in _NOT_REPLAYED}
                body = await response.get_data(as_text=False)
                await idempotency.record(svc.database, claim, idempotency.Answer(response.status_code, headers, body))
        return response

    @app.teardown_request
    async def abandoned(error: BaseException | None) -> None:
        # Still claimed here: the request ended without an answer (its client went away and it was cancelled,
        # or it crashed past the error handlers). Released, so the client's retry is not refused with 409.
        claim = g.pop("idempotency", None)
        if claim is not None:
            await asyncio.shield(idempotency.release(svc.database, claim))
