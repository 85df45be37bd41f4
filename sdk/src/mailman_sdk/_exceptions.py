"""The errors the SDK raises.

MailmanError
├── APIError                      (anything the API round trip went wrong with)
│   ├── APIStatusError            (the API answered 4xx/5xx; carries the problem body)
│   │   ├── BadRequestError           400
│   │   ├── AuthenticationError       401
│   │   ├── PermissionDeniedError     403
│   │   ├── NotFoundError             404
│   │   ├── ConflictError             409
│   │   ├── UnprocessableEntityError  422
│   │   ├── RateLimitError            429
│   │   └── InternalServerError       5xx
│   ├── APIConnectionError        (no answer: DNS, refused, reset)
│   │   └── APITimeoutError
│   └── APIResponseValidationError (an answer this SDK could not read)
└── WebhookVerificationError      (a webhook whose signature or timestamp does not check out)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "MailmanError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "WebhookVerificationError",
]


class MailmanError(Exception):
    """The root of every error this SDK raises."""


class APIError(MailmanError):
    message: str
    request: httpx.Request | None
    body: Any
    """The decoded response body (the problem document), or None."""

    def __init__(self, message: str, request: httpx.Request | None = None, *, body: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body


class APIStatusError(APIError):
    """The API answered with an error status; ``code`` and ``errors`` come from its problem+json body."""

    response: httpx.Response
    status_code: int
    request_id: str | None
    code: str | None
    errors: list[dict[str, str]]

    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get("x-request-id")
        problem = body if isinstance(body, dict) else {}
        self.code = problem.get("code")
        self.errors = list(problem.get("errors") or [])


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


class APIConnectionError(APIError):
    def __init__(self, message: str = "Connection error.", *, request: httpx.Request | None = None) -> None:
        super().__init__(message, request)


class APITimeoutError(APIConnectionError):
    def __init__(self, request: httpx.Request | None = None) -> None:
        super().__init__("Request timed out.", request=request)


class APIResponseValidationError(APIError):
    def __init__(self, message: str, *, response: httpx.Response, body: Any) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code


class WebhookVerificationError(MailmanError):
    """The webhook's signature, id or timestamp could not be verified: do not trust its body."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(response: httpx.Response, body: Any) -> APIStatusError:
    """The error for an error response, with a message a person can act on."""
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    problem = body if isinstance(body, dict) else {}
    detail = problem.get("detail") or (body if isinstance(body, str) and body else response.reason_phrase)
    code = problem.get("code")
    message = f"{response.status_code} {code}: {detail}" if code else f"{response.status_code}: {detail}"
    request_id = response.headers.get("x-request-id")
    if request_id:
        message += f" (request {request_id})"
    return cls(message, response=response, body=body)
