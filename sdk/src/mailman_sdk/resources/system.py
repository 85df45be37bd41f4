# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `system` resource: Health check and this API description. No authentication.."""

from __future__ import annotations

from functools import cached_property

from .._base_client import RequestOptions
from .._resource import AsyncAPIResource, SyncAPIResource
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout
from ..types import Health

__all__ = ["AsyncSystem", "System"]


class System(SyncAPIResource):
    """Health check and this API description. No authentication."""

    @cached_property
    def with_raw_response(self) -> SystemWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return SystemWithRawResponse(self)

    def health(
        self,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Health:
        """Health check

        Answers 200 once the API and its dependencies are ready; 503 otherwise. No authentication.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(RequestOptions("GET", "/health", extra_headers=extra_headers, timeout=timeout), Health)

    def openapi(
        self,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> bytes:
        """Get the OpenAPI document

        Returns this OpenAPI document as YAML. No authentication.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions("GET", "/openapi.yaml", extra_headers=extra_headers, timeout=timeout), bytes
        )


class SystemWithRawResponse:
    def __init__(self, resource: System) -> None:
        self._resource = resource
        self.health = raw_wrapper(resource.health)
        self.openapi = raw_wrapper(resource.openapi)


class AsyncSystem(AsyncAPIResource):
    """Health check and this API description. No authentication."""

    @cached_property
    def with_raw_response(self) -> AsyncSystemWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncSystemWithRawResponse(self)

    async def health(
        self,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Health:
        """Health check

        Answers 200 once the API and its dependencies are ready; 503 otherwise. No authentication.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions("GET", "/health", extra_headers=extra_headers, timeout=timeout), Health
        )

    async def openapi(
        self,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> bytes:
        """Get the OpenAPI document

        Returns this OpenAPI document as YAML. No authentication.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions("GET", "/openapi.yaml", extra_headers=extra_headers, timeout=timeout), bytes
        )


class AsyncSystemWithRawResponse:
    def __init__(self, resource: AsyncSystem) -> None:
        self._resource = resource
        self.health = async_raw_wrapper(resource.health)
        self.openapi = async_raw_wrapper(resource.openapi)
