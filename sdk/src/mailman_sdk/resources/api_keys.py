# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `api_keys` resource: Bearer tokens for the API, optionally restricted to some inboxes.."""

from __future__ import annotations

from functools import cached_property
from typing import List

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given, query
from ..types import ApiKey

__all__ = ["ApiKeys", "AsyncApiKeys"]


class ApiKeys(SyncAPIResource):
    """Bearer tokens for the API, optionally restricted to some inboxes."""

    @cached_property
    def with_raw_response(self) -> ApiKeysWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return ApiKeysWithRawResponse(self)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[ApiKey]:
        """List API keys

        Lists API keys, newest first. Keys themselves are never returned.

        Args:
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/api-keys",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[ApiKey],
        )

    def create(
        self,
        *,
        name: str,
        inbox_ids: List[str] | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> ApiKey:
        """Create an API key

        Creates an API key, optionally restricted to some inboxes. The response includes the `key`; it is
        shown only once.

        Args:
          name: A name to recognise the key by.
          inbox_ids: Restrict the key to these inboxes; omit or null for all inboxes.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                "/v1/api-keys",
                json=given({"name": name, "inbox_ids": inbox_ids}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            ApiKey,
        )

    def delete(
        self,
        key_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete an API key

        Revokes an API key; requests using it are refused from now on.

        Args:
          key_id: API key id (`key_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        self._request(
            RequestOptions(
                "DELETE", f"/v1/api-keys/{path_param('key_id', key_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            type(None),
        )


class ApiKeysWithRawResponse:
    def __init__(self, resource: ApiKeys) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.create = raw_wrapper(resource.create)
        self.delete = raw_wrapper(resource.delete)


class AsyncApiKeys(AsyncAPIResource):
    """Bearer tokens for the API, optionally restricted to some inboxes."""

    @cached_property
    def with_raw_response(self) -> AsyncApiKeysWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncApiKeysWithRawResponse(self)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[ApiKey]:
        """List API keys

        Lists API keys, newest first. Keys themselves are never returned.

        Args:
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/api-keys",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[ApiKey],
        )

    async def create(
        self,
        *,
        name: str,
        inbox_ids: List[str] | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> ApiKey:
        """Create an API key

        Creates an API key, optionally restricted to some inboxes. The response includes the `key`; it is
        shown only once.

        Args:
          name: A name to recognise the key by.
          inbox_ids: Restrict the key to these inboxes; omit or null for all inboxes.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                "/v1/api-keys",
                json=given({"name": name, "inbox_ids": inbox_ids}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            ApiKey,
        )

    async def delete(
        self,
        key_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete an API key

        Revokes an API key; requests using it are refused from now on.

        Args:
          key_id: API key id (`key_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        await self._request(
            RequestOptions(
                "DELETE", f"/v1/api-keys/{path_param('key_id', key_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            type(None),
        )


class AsyncApiKeysWithRawResponse:
    def __init__(self, resource: AsyncApiKeys) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.create = async_raw_wrapper(resource.create)
        self.delete = async_raw_wrapper(resource.delete)
