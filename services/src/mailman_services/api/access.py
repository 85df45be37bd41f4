"""Request ids (X-Request-Id, given or made up) and one access-log line per request."""

from __future__ import annotations

import os
import re
import time

from quart import Quart, Response, g, request

from .. import logs

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _has_body() -> bool:
    return request.content_length not in (None, 0) or "chunked" in request.headers.get("Transfer-Encoding", "")


def init_app(app: Quart) -> None:
    """Registered first: its before_request runs before all others, its after_request after them."""

    @app.before_request
    async def start() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if incoming and _REQUEST_ID_RE.match(incoming) else f"req_{os.urandom(12).hex()}"

    @app.after_request
    async def finish(response: Response) -> Response:
        if _has_body() and not g.get("body_read"):
            # Answered without reading the body (401, 403, 413, 429, a 404 for another inbox's route): the
            # server cannot take another request on this connection, so it says it ends here and a keep-alive
            # client opens another one rather than sending into a closed connection.
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
