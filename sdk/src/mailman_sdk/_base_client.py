"""The transport under both clients: requests, retries with backoff, timeouts, errors and parsing.

Constructing a client imports nothing heavy: httpx, pydantic and anyio are imported, and the
``httpx.Client`` (whose SSL context loads certifi) is created, on the first request.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    MailmanError,
    status_error,
)
from ._types import NOT_GIVEN, NotGiven, Timeout
from ._version import __version__

if TYPE_CHECKING:
    import httpx

    DEFAULT_TIMEOUT: httpx.Timeout

T = TypeVar("T")

DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
RETRYABLE_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))
_CLOSED = "Cannot send a request, as the client has been closed."  # httpx's words for a closed client
_default_timeout: httpx.Timeout | None = None


def default_timeout() -> httpx.Timeout:
    """60 s, 5 s to connect: the clients' timeout unless given one (created on first use, with httpx)."""
    global _default_timeout
    if _default_timeout is None:
        import httpx

        _default_timeout = httpx.Timeout(60.0, connect=5.0)
    return _default_timeout


if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name == "DEFAULT_TIMEOUT":
            return default_timeout()
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class RequestOptions:
    """One call's request, as the resources describe it."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    json: Any = None
    extra_headers: dict[str, str] | None = None
    timeout: Timeout | NotGiven = NOT_GIVEN
    idempotency_key: str | None = None
    follow_redirects: bool = False
    headers: dict[str, str] = field(default_factory=dict)


def _retry_after(response: httpx.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        import email.utils

        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is None:
            return None
        seconds = parsed.timestamp() - time.time()
    return seconds if 0 <= seconds <= MAX_RETRY_AFTER else None


def retry_delay(retries_done: int, response: httpx.Response | None) -> float:
    """Seconds before the next attempt: the server's Retry-After, else exponential backoff with jitter."""
    told = _retry_after(response)
    if told is not None:
        return told
    import random

    backoff = min(INITIAL_RETRY_DELAY * (2.0**retries_done), MAX_RETRY_DELAY)
    return backoff * (1 - 0.25 * random.random())


def should_retry(response: httpx.Response) -> bool:
    header: str | None = response.headers.get("x-should-retry")
    if header in ("true", "false"):
        return header == "true"
    return response.status_code in RETRYABLE_STATUSES


def parse(response: httpx.Response, cast_to: Any) -> Any:
    """The response body as ``cast_to``: a model class, a TypeAdapter-able type, bytes or None."""
    if cast_to is None or cast_to is type(None) or response.status_code == 204:
        return None
    if cast_to is bytes:
        return response.content
    import pydantic

    try:
        if isinstance(cast_to, type) and issubclass(cast_to, pydantic.BaseModel):
            return cast_to.model_validate_json(response.content)
        return pydantic.TypeAdapter(cast_to).validate_json(response.content)
    except (pydantic.ValidationError, ValueError) as exc:
        raise APIResponseValidationError(
            f"The API's answer is not a valid {getattr(cast_to, '__name__', cast_to)}: {exc}",
            response=response,
            body=response.text,
        ) from exc


def _error_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


class BaseClient:
    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str | None,
        timeout: Timeout | NotGiven,
        max_retries: int,
        default_headers: dict[str, str] | None,
    ) -> None:
        base_url = base_url or os.environ.get("MAILMAN_API_URL")
        if not base_url:
            raise MailmanError(
                "No API URL: pass base_url=... or set MAILMAN_API_URL (for example http://127.0.0.1:8080)."
            )
        api_key = api_key or os.environ.get("MAILMAN_API_TOKEN")
        if not api_key:
            raise MailmanError("No API token: pass api_key=... or set MAILMAN_API_TOKEN.")
        self._base_url: str | httpx.URL = base_url.rstrip("/") + "/"
        self.api_key = api_key
        self._timeout = timeout
        self.max_retries = max_retries
        self._headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {api_key}",
            # platform.python_version(), without importing platform
            "User-Agent": f"mailman-sdk/{__version__} python/{sys.version.split()[0]}",
            **(default_headers or {}),
        }

    @property
    def base_url(self) -> httpx.URL:
        """The API's URL, ending in ``/``."""
        if isinstance(self._base_url, str):
            import httpx

            self._base_url = httpx.URL(self._base_url)
        return self._base_url

    @base_url.setter
    def base_url(self, value: httpx.URL) -> None:
        self._base_url = value

    @property
    def timeout(self) -> Timeout:
        """Every call's timeout unless the call gives its own: 60 s (5 s to connect) by default."""
        if isinstance(self._timeout, NotGiven):
            self._timeout = default_timeout()
        return self._timeout

    @timeout.setter
    def timeout(self, value: Timeout) -> None:
        self._timeout = value

    def _build_request(self, client: httpx.Client | httpx.AsyncClient, options: RequestOptions) -> httpx.Request:
        headers = dict(self._headers)
        if options.idempotency_key is not None:
            headers["Idempotency-Key"] = options.idempotency_key
        headers.update(options.headers)
        headers.update(options.extra_headers or {})
        timeout = self.timeout if isinstance(options.timeout, NotGiven) else options.timeout
        return client.build_request(
            options.method,
            self.base_url.join(options.path.lstrip("/")),
            params=options.params,
            json=options.json,
            headers=headers,
            timeout=timeout,
        )

    @staticmethod
    def _prepare(options: RequestOptions) -> None:
        # One key per call, reused by its retries, so a retried POST never acts twice.
        if options.method == "POST" and options.idempotency_key is None:
            import uuid

            options.idempotency_key = str(uuid.uuid4())


class SyncAPIClient(BaseClient):
    def __init__(self, *, http_client: httpx.Client | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._http_client = http_client
        self._http_client_lock = threading.Lock()
        self._closed = False

    @property
    def _client(self) -> httpx.Client:
        """The ``http_client`` given, else an ``httpx.Client`` created on first use."""
        client = self._http_client
        if client is None:
            with self._http_client_lock:
                client = self._http_client
                if client is None:
                    if self._closed:
                        raise RuntimeError(_CLOSED)
                    import httpx

                    client = self._http_client = httpx.Client()
        return client

    def request(self, options: RequestOptions, cast_to: Any) -> Any:
        return parse(self.send(options), cast_to)

    def send(self, options: RequestOptions) -> httpx.Response:
        """Send with retries; returns a 2xx/3xx response or raises."""
        import httpx

        self._prepare(options)
        retries_done = 0
        while True:
            request = self._build_request(self._client, options)
            try:
                response = self._client.send(request, follow_redirects=options.follow_redirects)
            except httpx.TimeoutException as exc:
                if retries_done >= self.max_retries:
                    raise APITimeoutError(request) from exc
                time.sleep(retry_delay(retries_done, None))
            except httpx.TransportError as exc:
                if retries_done >= self.max_retries:
                    raise APIConnectionError(f"Could not reach {request.url}: {exc}", request=request) from exc
                time.sleep(retry_delay(retries_done, None))
            else:
                if response.is_success or response.is_redirect:
                    return response
                if retries_done >= self.max_retries or not should_retry(response):
                    response.read()
                    raise status_error(response, _error_body(response))
                response.close()
                time.sleep(retry_delay(retries_done, response))
            retries_done += 1

    def close(self) -> None:
        self._closed = True
        if self._http_client is not None:
            self._http_client.close()


class AsyncAPIClient(BaseClient):
    def __init__(self, *, http_client: httpx.AsyncClient | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._http_client = http_client
        self._closed = False

    @property
    def _client(self) -> httpx.AsyncClient:
        """The ``http_client`` given, else an ``httpx.AsyncClient`` created on first use."""
        client = self._http_client
        if client is None:  # no lock: one event loop, and no await between the test and the assignment
            if self._closed:
                raise RuntimeError(_CLOSED)
            import httpx

            client = self._http_client = httpx.AsyncClient()
        return client

    async def request(self, options: RequestOptions, cast_to: Any) -> Any:
        return parse(await self.send(options), cast_to)

    async def send(self, options: RequestOptions) -> httpx.Response:
        import anyio
        import httpx

        self._prepare(options)
        retries_done = 0
        while True:
            request = self._build_request(self._client, options)
            try:
                response = await self._client.send(request, follow_redirects=options.follow_redirects)
            except httpx.TimeoutException as exc:
                if retries_done >= self.max_retries:
                    raise APITimeoutError(request) from exc
                await anyio.sleep(retry_delay(retries_done, None))
            except httpx.TransportError as exc:
                if retries_done >= self.max_retries:
                    raise APIConnectionError(f"Could not reach {request.url}: {exc}", request=request) from exc
                await anyio.sleep(retry_delay(retries_done, None))
            else:
                if response.is_success or response.is_redirect:
                    return response
                if retries_done >= self.max_retries or not should_retry(response):
                    await response.aread()
                    raise status_error(response, _error_body(response))
                await response.aclose()
                await anyio.sleep(retry_delay(retries_done, response))
            retries_done += 1

    async def close(self) -> None:
        self._closed = True
        if self._http_client is not None:
            await self._http_client.aclose()
