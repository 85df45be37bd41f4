"""``.with_raw_response``: the same calls, returning the HTTP response alongside the parsed body."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

if TYPE_CHECKING:
    import httpx

__all__ = ["APIResponse", "async_raw_wrapper", "raw_wrapper"]

RAW = contextvars.ContextVar("mailman_raw_response", default=False)
"""Set while a ``with_raw_response`` call runs: the resource then returns an APIResponse."""

P = ParamSpec("P")
R = TypeVar("R")


class APIResponse(Generic[R]):
    """The raw HTTP response of one call; ``parse()`` gives what the plain call would have returned."""

    def __init__(self, http_response: httpx.Response, parsed: R) -> None:
        self.http_response = http_response
        self._parsed = parsed

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def request_id(self) -> str | None:
        request_id: str | None = self.http_response.headers.get("x-request-id")
        return request_id

    def parse(self) -> R:
        return self._parsed

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.http_response.request.method} {self.http_response.url}>"


def raw_wrapper(method: Callable[P, R]) -> Callable[P, APIResponse[R]]:
    @functools.wraps(method)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        token = RAW.set(True)
        try:
            result: Any = method(*args, **kwargs)
        finally:
            RAW.reset(token)
        return result  # type: ignore[no-any-return]

    return wrapped


def async_raw_wrapper(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[APIResponse[R]]]:
    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        token = RAW.set(True)
        try:
            result: Any = await method(*args, **kwargs)
        finally:
            RAW.reset(token)
        return result  # type: ignore[no-any-return]

    return wrapped
