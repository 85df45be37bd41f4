"""Every error answered as problem+json (RFC 9457): ``APIError``, HTTP errors, and anything unexpected."""

from __future__ import annotations

import logging
from typing import Any

from quart import Quart, Response, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..domain.errors import APIError
from .http import MAX_BODY, dumps

log = logging.getLogger("mailman.api")

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


def problem_body(error: APIError) -> dict[str, Any]:
    """The problem document of ``error``, also found inside a batch's answer for each message not sent."""
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
    return body


def problem(error: APIError, **extensions: Any) -> Response:
    """``error`` as problem+json; ``extensions`` are members of the document beyond RFC 9457's."""
    body = {**problem_body(error), **extensions}
    response = Response(dumps(body), status=error.status, content_type="application/problem+json")
    response.headers.update(error.headers)
    if error.status == 409:
        # Only an in-flight idempotent request is worth retrying; a taken address stays taken.
        response.headers["X-Should-Retry"] = "true" if error.code == "idempotency_key_in_use" else "false"
    return response


async def api_error(error: APIError) -> Response:
    return problem(error)


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


async def unexpected(error: Exception) -> Response:
    log.exception("unhandled error", extra={"request_id": g.get("request_id")})
    return problem(APIError(500, "internal_error", "Something went wrong on our side; it has been logged."))


def init_app(app: Quart) -> None:
    app.register_error_handler(APIError, api_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)
