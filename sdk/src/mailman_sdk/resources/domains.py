# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `domains` resource: Domains to send from and receive on. Register a domain, publish its DNS records, then verify it; sending requires a verified domain.."""

from __future__ import annotations

from functools import cached_property

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given, query
from ..types import Domain

__all__ = ["AsyncDomains", "Domains"]


class Domains(SyncAPIResource):
    """Domains to send from and receive on. Register a domain, publish its DNS records, then verify it;
    sending requires a verified domain."""

    @cached_property
    def with_raw_response(self) -> DomainsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return DomainsWithRawResponse(self)

    def list(
        self,
        *,
        name: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Domain]:
        """List domains

        Lists domains, newest first, optionally only the one with a given name.

        Args:
          name: Only the domain with this name (compared case-insensitively).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/domains",
                params=query({"name": name, "limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Domain],
        )

    def create(
        self,
        *,
        name: str,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Domain:
        """Register a domain

        Registers a domain for sending and receiving. The domain starts `pending`; publish its `records` in
        DNS, then call `verify`. 409 `domain_exists` if it is already registered.

        Args:
          name: The domain name to register, e.g. `mail.acme.com`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                "/v1/domains",
                json=given({"name": name}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Domain,
        )

    def retrieve(
        self,
        domain_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Domain:
        """Retrieve a domain

        Returns a domain with its DNS records and their last checked status.

        Args:
          domain_id: Domain id (`dom_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "GET", f"/v1/domains/{path_param('domain_id', domain_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            Domain,
        )

    def delete(
        self,
        domain_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a domain

        Deletes a domain. 409 `domain_in_use` while inboxes still exist on it.

        Args:
          domain_id: Domain id (`dom_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        self._request(
            RequestOptions(
                "DELETE",
                f"/v1/domains/{path_param('domain_id', domain_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )

    def verify(
        self,
        domain_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Domain:
        """Verify a domain

        Checks the domain's DNS records (local backend: resolves them; aws backend: reads the SES identity
        status) and returns the domain with updated record statuses. When the domain becomes `verified` a
        `domain.verified` event is recorded. Sending requires a verified domain.

        Args:
          domain_id: Domain id (`dom_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/domains/{path_param('domain_id', domain_id)}/verify",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Domain,
        )


class DomainsWithRawResponse:
    def __init__(self, resource: Domains) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.create = raw_wrapper(resource.create)
        self.retrieve = raw_wrapper(resource.retrieve)
        self.delete = raw_wrapper(resource.delete)
        self.verify = raw_wrapper(resource.verify)


class AsyncDomains(AsyncAPIResource):
    """Domains to send from and receive on. Register a domain, publish its DNS records, then verify it;
    sending requires a verified domain."""

    @cached_property
    def with_raw_response(self) -> AsyncDomainsWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncDomainsWithRawResponse(self)

    def list(
        self,
        *,
        name: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Domain]:
        """List domains

        Lists domains, newest first, optionally only the one with a given name.

        Args:
          name: Only the domain with this name (compared case-insensitively).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/domains",
                params=query({"name": name, "limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Domain],
        )

    async def create(
        self,
        *,
        name: str,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Domain:
        """Register a domain

        Registers a domain for sending and receiving. The domain starts `pending`; publish its `records` in
        DNS, then call `verify`. 409 `domain_exists` if it is already registered.

        Args:
          name: The domain name to register, e.g. `mail.acme.com`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                "/v1/domains",
                json=given({"name": name}),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Domain,
        )

    async def retrieve(
        self,
        domain_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Domain:
        """Retrieve a domain

        Returns a domain with its DNS records and their last checked status.

        Args:
          domain_id: Domain id (`dom_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "GET", f"/v1/domains/{path_param('domain_id', domain_id)}", extra_headers=extra_headers, timeout=timeout
            ),
            Domain,
        )

    async def delete(
        self,
        domain_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a domain

        Deletes a domain. 409 `domain_in_use` while inboxes still exist on it.

        Args:
          domain_id: Domain id (`dom_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        await self._request(
            RequestOptions(
                "DELETE",
                f"/v1/domains/{path_param('domain_id', domain_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )

    async def verify(
        self,
        domain_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Domain:
        """Verify a domain

        Checks the domain's DNS records (local backend: resolves them; aws backend: reads the SES identity
        status) and returns the domain with updated record statuses. When the domain becomes `verified` a
        `domain.verified` event is recorded. Sending requires a verified domain.

        Args:
          domain_id: Domain id (`dom_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/domains/{path_param('domain_id', domain_id)}/verify",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Domain,
        )


class AsyncDomainsWithRawResponse:
    def __init__(self, resource: AsyncDomains) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.create = async_raw_wrapper(resource.create)
        self.retrieve = async_raw_wrapper(resource.retrieve)
        self.delete = async_raw_wrapper(resource.delete)
        self.verify = async_raw_wrapper(resource.verify)
