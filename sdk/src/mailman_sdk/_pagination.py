"""Cursor pages. Iterating a page walks every later page too, so ``for x in client.inboxes.list()`` sees all."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Generator, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import PrivateAttr

from ._base_client import parse
from ._models import BaseModel, html_table
from ._response import RAW, APIResponse

if TYPE_CHECKING:
    from ._base_client import AsyncAPIClient, RequestOptions, SyncAPIClient

__all__ = ["AsyncCursorPage", "AsyncPaginator", "SyncCursorPage"]

T = TypeVar("T")


class _Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = None
    _options: RequestOptions = PrivateAttr()

    def has_next_page(self) -> bool:
        return bool(self.next_cursor) and bool(self.data)

    def _next_options(self) -> RequestOptions:
        params = {**(self._options.params or {}), "cursor": self.next_cursor}
        return dataclasses.replace(self._options, params=params)

    def _repr_html_(self) -> str:
        more = " (more pages follow)" if self.has_next_page() else ""
        return f"<p>{len(self.data)} items{more}</p>" + html_table(list(self.data))  # type: ignore[arg-type]


class SyncCursorPage(_Page[T], Generic[T]):
    _client: SyncAPIClient = PrivateAttr()

    def __iter__(self) -> Iterator[T]:  # type: ignore[override]
        for page in self.iter_pages():
            yield from page.data

    def iter_pages(self) -> Iterator[SyncCursorPage[T]]:
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.get_next_page()

    def get_next_page(self) -> SyncCursorPage[T]:
        if not self.has_next_page():
            raise RuntimeError("This is the last page; check has_next_page() first.")
        page: SyncCursorPage[T] = fetch_page(self._client, self._next_options(), type(self))
        return page


class AsyncCursorPage(_Page[T], Generic[T]):
    _client: AsyncAPIClient = PrivateAttr()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    async def iter_pages(self) -> AsyncIterator[AsyncCursorPage[T]]:
        page = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.get_next_page()

    async def get_next_page(self) -> AsyncCursorPage[T]:
        if not self.has_next_page():
            raise RuntimeError("This is the last page; check has_next_page() first.")
        page: AsyncCursorPage[T] = await fetch_async_page(self._client, self._next_options(), type(self))
        return page


def fetch_page(client: SyncAPIClient, options: RequestOptions, page_cls: type[Any]) -> Any:
    return _bind(parse(client.send(options), page_cls), client, options)


async def fetch_async_page(client: AsyncAPIClient, options: RequestOptions, page_cls: type[Any]) -> Any:
    return _bind(parse(await client.send(options), page_cls), client, options)


def _bind(page: Any, client: Any, options: RequestOptions) -> Any:
    page._client = client
    page._options = options
    return page


class AsyncPaginator(Generic[T]):
    """What async ``list()`` returns: ``await`` it for the first page, ``async for`` it for every item."""

    def __init__(self, client: AsyncAPIClient, options: RequestOptions, page_cls: type[AsyncCursorPage[T]]) -> None:
        self._client = client
        self._options = options
        self._page_cls = page_cls
        self._raw = RAW.get()  # made inside a with_raw_response call: awaiting gives the APIResponse

    async def _first(self) -> Any:
        response = await self._client.send(self._options)
        page = _bind(parse(response, self._page_cls), self._client, self._options)
        return APIResponse(response, page) if self._raw else page

    def __await__(self) -> Generator[Any, None, AsyncCursorPage[T]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page: AsyncCursorPage[T] = await self
        async for item in page:
            yield item
