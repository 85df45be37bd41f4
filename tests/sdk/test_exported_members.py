"""The public surface is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import subprocess
import sys

import mailman_sdk

EXPECTED = [
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


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert mailman_sdk.__all__ == EXPECTED
    for name in EXPECTED:
        assert getattr(mailman_sdk, name) is not None, name


def test_import_is_lazy() -> None:
    code = "import sys, mailman_sdk; print(sorted(m for m in ('httpx', 'pydantic') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_constructing_a_client_is_lazy_too() -> None:
    # httpx, pydantic and anyio (and the SSL context an httpx.Client loads certifi into) wait for the first request.
    code = (
        "import sys; from mailman_sdk import AsyncMailman, Mailman; "
        "Mailman(base_url='http://127.0.0.1:9', api_key='mm_test'); "
        "AsyncMailman(base_url='http://127.0.0.1:9', api_key='mm_test'); "
        "print(sorted(m for m in ('httpx', 'pydantic', 'anyio', 'ssl', 'certifi') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
