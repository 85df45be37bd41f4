"""The transport under both clients: requests, retries with backoff, timeouts, errors and parsing."""

from __future__ import annotations

import email.utils
import os
import platform
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import httpx
import pydantic

from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    MailmanError,
    status_error,
)
from ._types import NOT_GIVEN, NotGiven, Timeout
from ._version import __version__

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
RETRYABLE_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))


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
        timeout: Timeout,
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
        self.base_url = httpx.URL(base_url.rstrip("/") + "/")
        self.api_key = api_key
        self.timeout = timeout
        self.max_retries = max_retries
        self._headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {api_key}",
            "User-Agent": f"mailman-sdk/{__version__} python/{platform.python_version()}",
            **(default_headers or {}),
        }

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
            options.idempotency_key = str(uuid.uuid4())


class SyncAPIClient(BaseClient):
    _client: httpx.Client

    def __init__(self, *, http_client: httpx.Client | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = http_client or httpx.Client()

    def request(self, options: RequestOptions, cast_to: Any) -> Any:
        return parse(self.send(options), cast_to)

    def send(self, options: RequestOptions) -> httpx.Response:
        """Send with retries; returns a 2xx/3xx response or raises."""
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
        self._client.close()


class AsyncAPIClient(BaseClient):
    _client: httpx.AsyncClient

    def __init__(self, *, http_client: httpx.AsyncClient | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._client = http_client or httpx.AsyncClient()

    async def request(self, options: RequestOptions, cast_to: Any) -> Any:
        return parse(await self.send(options), cast_to)

    async def send(self, options: RequestOptions) -> httpx.Response:
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
        await self._client.aclose()
