# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `suppressions` resource: Addresses mail is never sent to. Permanent bounces and complaints are added automatically; suppressed recipients are dropped when sending.."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given, query
from ..types import Suppression

__all__ = ["AsyncSuppressions", "Suppressions"]


class Suppressions(SyncAPIResource):
    """Addresses mail is never sent to. Permanent bounces and complaints are added automatically;
    suppressed recipients are dropped when sending."""

    @cached_property
    def with_raw_response(self) -> SuppressionsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return SuppressionsWithRawResponse(self)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Suppression]:
        """List suppressions

        Lists suppressed addresses, newest first.

        Args:
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/suppressions",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Suppression],
        )

    def create(
        self,
        *,
        address: str,
        reason: Literal["bounce", "complaint", "manual"] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Suppression:
        """Suppress an address

        Adds an address to the suppression list; mail is no longer sent to it. 409 `suppression_exists` if
        it is already suppressed.

        Args:
          address: Address to suppress.
          reason: Reason to record.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                "/v1/suppressions",
                json=given({"address": address, "reason": reason}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Suppression,
        )

    def delete(
        self,
        address: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Remove a suppression

        Removes an address from the suppression list.

        Args:
          address: The suppressed email address (URL-encoded).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        self._request(
            RequestOptions(
                "DELETE",
                f"/v1/suppressions/{path_param('address', address)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )


class SuppressionsWithRawResponse:
    def __init__(self, resource: Suppressions) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.create = raw_wrapper(resource.create)
        self.delete = raw_wrapper(resource.delete)


class AsyncSuppressions(AsyncAPIResource):
    """Addresses mail is never sent to. Permanent bounces and complaints are added automatically;
    suppressed recipients are dropped when sending."""

    @cached_property
    def with_raw_response(self) -> AsyncSuppressionsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncSuppressionsWithRawResponse(self)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Suppression]:
        """List suppressions

        Lists suppressed addresses, newest first.

        Args:
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/suppressions",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Suppression],
        )

    async def create(
        self,
        *,
        address: str,
        reason: Literal["bounce", "complaint", "manual"] | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Suppression:
        """Suppress an address

        Adds an address to the suppression list; mail is no longer sent to it. 409 `suppression_exists` if
        it is already suppressed.

        Args:
          address: Address to suppress.
          reason: Reason to record.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                "/v1/suppressions",
                json=given({"address": address, "reason": reason}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Suppression,
        )

    async def delete(
        self,
        address: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Remove a suppression

        Removes an address from the suppression list.

        Args:
          address: The suppressed email address (URL-encoded).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        await self._request(
            RequestOptions(
                "DELETE",
                f"/v1/suppressions/{path_param('address', address)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )


class AsyncSuppressionsWithRawResponse:
    def __init__(self, resource: AsyncSuppressions) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.create = async_raw_wrapper(resource.create)
        self.delete = async_raw_wrapper(resource.delete)
