# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `webhooks` resource: Endpoints that receive events, signed per Standard Webhooks: headers `webhook-id` (the event id, stable across retries), `webhook-timestamp` (unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the secret). Deliveries are JSON POSTs with a 15 s timeout; any 2xx is success, 410 disables the webhook and `Retry-After` is honoured. Failed deliveries are retried after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h (7 attempts in all), then marked `failed`. Events for one webhook and inbox arrive in order. Every attempt is recorded as a delivery.."""

from __future__ import annotations

from functools import cached_property
from typing import List

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, given, query
from .._webhooks import WebhookHelpers
from ..types import Delivery, EventType, Webhook
from .webhooks_deliveries import (
    AsyncWebhooksDeliveries,
    AsyncWebhooksDeliveriesWithRawResponse,
    WebhooksDeliveries,
    WebhooksDeliveriesWithRawResponse,
)

__all__ = ["AsyncWebhooks", "Webhooks"]


class Webhooks(SyncAPIResource, WebhookHelpers):
    """Endpoints that receive events, signed per Standard Webhooks: headers `webhook-id` (the event id,
    stable across retries), `webhook-timestamp` (unix seconds) and `webhook-signature` (`v1,<base64
    HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the secret). Deliveries are JSON POSTs with a
    15 s timeout; any 2xx is success, 410 disables the webhook and `Retry-After` is honoured. Failed
    deliveries are retried after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h (7 attempts in all), then marked
    `failed`. Events for one webhook and inbox arrive in order. Every attempt is recorded as a delivery."""

    @cached_property
    def deliveries(self) -> WebhooksDeliveries:

        return WebhooksDeliveries(self._client)

    @cached_property
    def with_raw_response(self) -> WebhooksWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return WebhooksWithRawResponse(self)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Webhook]:
        """List webhooks

        Lists webhooks, newest first. Secrets are not included.

        Args:
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/webhooks",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Webhook],
        )

    def create(
        self,
        *,
        url: str,
        events: List[EventType],
        inbox_ids: List[str] | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        secret: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Webhook:
        """Create a webhook

        Registers an endpoint for the given event types, optionally restricted to some inboxes. The response
        includes the signing `secret`; it is not returned again.

        Args:
          url: http(s) endpoint URL. In the aws backend, URLs resolving to private, loopback or
            link-local addresses are refused.
          events: Event types to deliver.
          inbox_ids: Restrict to these inboxes; omit or leave empty for all inboxes.
          description: Free-form description.
          secret: Signing secret to use, `whsec_` + base64 of 24–64 bytes; generated when
            omitted.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                "/v1/webhooks",
                json=given(
                    {"url": url, "events": events, "inbox_ids": inbox_ids, "description": description, "secret": secret}
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Webhook,
        )

    def retrieve(
        self,
        webhook_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Webhook:
        """Retrieve a webhook

        Returns a webhook (without its secret).

        Args:
          webhook_id: Webhook id (`whk_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "GET",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Webhook,
        )

    def update(
        self,
        webhook_id: str,
        *,
        url: str | NotGiven = NOT_GIVEN,
        events: List[EventType] | NotGiven = NOT_GIVEN,
        inbox_ids: List[str] | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        rotate_secret: bool | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Webhook:
        """Update a webhook

        Updates the given fields. With `rotate_secret: true` a new secret is generated and included in the
        response; the old one stops signing immediately.

        Args:
          webhook_id: Webhook id (`whk_…`).
          url: New endpoint URL.
          events: New event types.
          inbox_ids: New inbox filter; empty means all inboxes.
          description: New description.
          enabled: Enable or disable deliveries.
          rotate_secret: Generate a new secret; the response then includes it.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._request(
            RequestOptions(
                "PATCH",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}",
                json=given(
                    {
                        "url": url,
                        "events": events,
                        "inbox_ids": inbox_ids,
                        "description": description,
                        "enabled": enabled,
                        "rotate_secret": rotate_secret,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Webhook,
        )

    def delete(
        self,
        webhook_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a webhook

        Deletes a webhook; no further events are delivered to it.

        Args:
          webhook_id: Webhook id (`whk_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        self._request(
            RequestOptions(
                "DELETE",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )

    def test(
        self,
        webhook_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Delivery:
        """Send a test event

        Records a `webhook.test` event and queues its delivery to this webhook only.

        Args:
          webhook_id: Webhook id (`whk_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}/test",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Delivery,
        )


class WebhooksWithRawResponse:
    def __init__(self, resource: Webhooks) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.create = raw_wrapper(resource.create)
        self.retrieve = raw_wrapper(resource.retrieve)
        self.update = raw_wrapper(resource.update)
        self.delete = raw_wrapper(resource.delete)
        self.test = raw_wrapper(resource.test)

    @cached_property
    def deliveries(self) -> WebhooksDeliveriesWithRawResponse:
        return WebhooksDeliveriesWithRawResponse(self._resource.deliveries)


class AsyncWebhooks(AsyncAPIResource, WebhookHelpers):
    """Endpoints that receive events, signed per Standard Webhooks: headers `webhook-id` (the event id,
    stable across retries), `webhook-timestamp` (unix seconds) and `webhook-signature` (`v1,<base64
    HMAC-SHA256 of "{id}.{timestamp}.{body}">` keyed with the secret). Deliveries are JSON POSTs with a
    15 s timeout; any 2xx is success, 410 disables the webhook and `Retry-After` is honoured. Failed
    deliveries are retried after 5 s, 5 min, 30 min, 2 h, 5 h and 10 h (7 attempts in all), then marked
    `failed`. Events for one webhook and inbox arrive in order. Every attempt is recorded as a delivery."""

    @cached_property
    def deliveries(self) -> AsyncWebhooksDeliveries:

        return AsyncWebhooksDeliveries(self._client)

    @cached_property
    def with_raw_response(self) -> AsyncWebhooksWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncWebhooksWithRawResponse(self)

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Webhook]:
        """List webhooks

        Lists webhooks, newest first. Secrets are not included.

        Args:
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                "/v1/webhooks",
                params=query({"limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Webhook],
        )

    async def create(
        self,
        *,
        url: str,
        events: List[EventType],
        inbox_ids: List[str] | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        secret: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Webhook:
        """Create a webhook

        Registers an endpoint for the given event types, optionally restricted to some inboxes. The response
        includes the signing `secret`; it is not returned again.

        Args:
          url: http(s) endpoint URL. In the aws backend, URLs resolving to private, loopback or
            link-local addresses are refused.
          events: Event types to deliver.
          inbox_ids: Restrict to these inboxes; omit or leave empty for all inboxes.
          description: Free-form description.
          secret: Signing secret to use, `whsec_` + base64 of 24–64 bytes; generated when
            omitted.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                "/v1/webhooks",
                json=given(
                    {"url": url, "events": events, "inbox_ids": inbox_ids, "description": description, "secret": secret}
                ),
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Webhook,
        )

    async def retrieve(
        self,
        webhook_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Webhook:
        """Retrieve a webhook

        Returns a webhook (without its secret).

        Args:
          webhook_id: Webhook id (`whk_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "GET",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Webhook,
        )

    async def update(
        self,
        webhook_id: str,
        *,
        url: str | NotGiven = NOT_GIVEN,
        events: List[EventType] | NotGiven = NOT_GIVEN,
        inbox_ids: List[str] | NotGiven = NOT_GIVEN,
        description: str | NotGiven | None = NOT_GIVEN,
        enabled: bool | NotGiven = NOT_GIVEN,
        rotate_secret: bool | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Webhook:
        """Update a webhook

        Updates the given fields. With `rotate_secret: true` a new secret is generated and included in the
        response; the old one stops signing immediately.

        Args:
          webhook_id: Webhook id (`whk_…`).
          url: New endpoint URL.
          events: New event types.
          inbox_ids: New inbox filter; empty means all inboxes.
          description: New description.
          enabled: Enable or disable deliveries.
          rotate_secret: Generate a new secret; the response then includes it.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return await self._request(
            RequestOptions(
                "PATCH",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}",
                json=given(
                    {
                        "url": url,
                        "events": events,
                        "inbox_ids": inbox_ids,
                        "description": description,
                        "enabled": enabled,
                        "rotate_secret": rotate_secret,
                    }
                ),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            Webhook,
        )

    async def delete(
        self,
        webhook_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> None:
        """Delete a webhook

        Deletes a webhook; no further events are delivered to it.

        Args:
          webhook_id: Webhook id (`whk_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        await self._request(
            RequestOptions(
                "DELETE",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}",
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            type(None),
        )

    async def test(
        self,
        webhook_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Delivery:
        """Send a test event

        Records a `webhook.test` event and queues its delivery to this webhook only.

        Args:
          webhook_id: Webhook id (`whk_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}/test",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Delivery,
        )


class AsyncWebhooksWithRawResponse:
    def __init__(self, resource: AsyncWebhooks) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.create = async_raw_wrapper(resource.create)
        self.retrieve = async_raw_wrapper(resource.retrieve)
        self.update = async_raw_wrapper(resource.update)
        self.delete = async_raw_wrapper(resource.delete)
        self.test = async_raw_wrapper(resource.test)

    @cached_property
    def deliveries(self) -> AsyncWebhooksDeliveriesWithRawResponse:
        return AsyncWebhooksDeliveriesWithRawResponse(self._resource.deliveries)
