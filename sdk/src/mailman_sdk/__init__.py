"""Python SDK for the Mailman email API.

    from mailman_sdk import Mailman
    client = Mailman()  # MAILMAN_API_URL, MAILMAN_API_TOKEN
    inbox = client.inboxes.create(name="Support")

Names are imported on first use, so ``import mailman_sdk`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._client import AsyncMailman, Mailman
    from ._exceptions import (
        APIConnectionError,
        APIError,
        APIResponseValidationError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        InternalServerError,
        MailmanError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        UnprocessableEntityError,
        WebhookVerificationError,
    )
    from ._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
    from ._response import APIResponse
    from ._types import NOT_GIVEN, NotGiven

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCursorPage",
    "AsyncMailman",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "Mailman",
    "MailmanError",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "SyncCursorPage",
    "UnprocessableEntityError",
    "WebhookVerificationError",
    "__version__",
    "types",
]

_HOMES = {
    "Mailman": "._client",
    "AsyncMailman": "._client",
    "SyncCursorPage": "._pagination",
    "AsyncCursorPage": "._pagination",
    "AsyncPaginator": "._pagination",
    "APIResponse": "._response",
    "NOT_GIVEN": "._types",
    "NotGiven": "._types",
}


def __getattr__(name: str) -> Any:
    if name == "types":
        return importlib.import_module(".types", __name__)
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name], __name__), name)
    if name in __all__:
        return getattr(importlib.import_module("._exceptions", __name__), name)
    raise AttributeError(f"module 'mailman_sdk' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
