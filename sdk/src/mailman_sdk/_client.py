"""``Mailman`` and ``AsyncMailman``: the clients, with the API's resources as attributes."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._base_client import DEFAULT_MAX_RETRIES, AsyncAPIClient, SyncAPIClient
from ._types import NOT_GIVEN, NotGiven, Timeout
from .resources import AsyncResources, Resources

if TYPE_CHECKING:
    import httpx

__all__ = ["AsyncMailman", "Mailman"]


class Mailman(Resources, SyncAPIClient):
    """The synchronous client.

    ``base_url`` and ``api_key`` default to ``MAILMAN_API_URL`` and ``MAILMAN_API_TOKEN``; ``timeout`` to
    60 s (5 s to connect). Calls retry
    ``max_retries`` times on connection errors, 408, 409, 429 and 5xx, with exponential backoff that
    honours ``Retry-After``; every POST carries an ``Idempotency-Key`` so a retry never acts twice.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: dict[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
        )

    def __enter__(self) -> Mailman:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Mailman {self.base_url}>"


class AsyncMailman(AsyncResources, AsyncAPIClient):
    """The asynchronous client: the same resources, with ``await`` and ``async for``."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: dict[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            http_client=http_client,
        )

    async def __aenter__(self) -> AsyncMailman:
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncMailman {self.base_url}>"
