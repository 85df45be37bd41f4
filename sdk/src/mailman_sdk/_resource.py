"""The base of the generated resource classes: turn a described request into a parsed result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from ._base_client import RequestOptions, parse
from ._pagination import AsyncCursorPage, AsyncPaginator, _bind
from ._response import RAW, APIResponse

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, SyncAPIClient

__all__ = ["AsyncAPIResource", "SyncAPIResource", "path_param"]

T = TypeVar("T")


def path_param(name: str, value: str) -> str:
    """A path parameter, refused before any request when empty."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"Expected a non-empty value for `{name}` but received {value!r}")
    return quote(value, safe="")


class SyncAPIResource:
    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def _request(self, options: RequestOptions, cast_to: type[T]) -> T:
        return self._request_any(options, cast_to)  # type: ignore[no-any-return]

    def _request_any(self, options: RequestOptions, cast_to: Any) -> Any:
        response = self._client.send(options)
        parsed = parse(response, cast_to)
        return APIResponse(response, parsed) if RAW.get() else parsed

    def _list(self, options: RequestOptions, page_cls: type[T]) -> T:
        response = self._client.send(options)
        page = _bind(parse(response, page_cls), self._client, options)
        return APIResponse(response, page) if RAW.get() else page  # type: ignore[return-value]


class AsyncAPIResource:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def _request(self, options: RequestOptions, cast_to: type[T]) -> T:
        return await self._request_any(options, cast_to)  # type: ignore[no-any-return]

    async def _request_any(self, options: RequestOptions, cast_to: Any) -> Any:
        response = await self._client.send(options)
        parsed = parse(response, cast_to)
        return APIResponse(response, parsed) if RAW.get() else parsed

    def _list(self, options: RequestOptions, page_cls: type[AsyncCursorPage[T]]) -> AsyncPaginator[T]:
        return AsyncPaginator(self._client, options, page_cls)
