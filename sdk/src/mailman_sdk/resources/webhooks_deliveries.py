# Generated from openapi.yaml by sdk/generator/generate.py (`nox -s generate`); do not edit.

"""The `webhooks.deliveries` resource."""

from __future__ import annotations

from functools import cached_property

from .._base_client import RequestOptions
from .._pagination import AsyncCursorPage, AsyncPaginator, SyncCursorPage
from .._resource import AsyncAPIResource, SyncAPIResource, path_param
from .._response import async_raw_wrapper, raw_wrapper
from .._types import NOT_GIVEN, Headers, NotGiven, Timeout, query
from ..types import Delivery, DeliveryStatus

__all__ = ["AsyncWebhooksDeliveries", "WebhooksDeliveries"]


class WebhooksDeliveries(SyncAPIResource):
    @cached_property
    def with_raw_response(self) -> WebhooksDeliveriesWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return WebhooksDeliveriesWithRawResponse(self)

    def list(
        self,
        webhook_id: str,
        *,
        status: DeliveryStatus | NotGiven = NOT_GIVEN,
        event_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> SyncCursorPage[Delivery]:
        """List delivery attempts

        Lists the webhook's delivery attempts, newest first.

        Args:
          webhook_id: Webhook id (`whk_…`).
          status: Only attempts with this status.
          event_id: Only attempts for this event (`evt_…`).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}/deliveries",
                params=query({"status": status, "event_id": event_id, "limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            SyncCursorPage[Delivery],
        )

    def retry(
        self,
        webhook_id: str,
        delivery_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Delivery:
        """Retry a delivery

        Queues a new attempt of the delivery's event to this webhook, e.g. after fixing the endpoint.

        Args:
          webhook_id: Webhook id (`whk_…`).
          delivery_id: Delivery id (`dlv_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return self._request(
            RequestOptions(
                "POST",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}/deliveries/{path_param('delivery_id', delivery_id)}/retry",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Delivery,
        )


class WebhooksDeliveriesWithRawResponse:
    def __init__(self, resource: WebhooksDeliveries) -> None:
        self._resource = resource
        self.list = raw_wrapper(resource.list)
        self.retry = raw_wrapper(resource.retry)


class AsyncWebhooksDeliveries(AsyncAPIResource):
    @cached_property
    def with_raw_response(self) -> AsyncWebhooksDeliveriesWithRawResponse:
        """The same calls, returning an APIResponse (headers, status, `.parse()`)."""
        return AsyncWebhooksDeliveriesWithRawResponse(self)

    def list(
        self,
        webhook_id: str,
        *,
        status: DeliveryStatus | NotGiven = NOT_GIVEN,
        event_id: str | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncPaginator[Delivery]:
        """List delivery attempts

        Lists the webhook's delivery attempts, newest first.

        Args:
          webhook_id: Webhook id (`whk_…`).
          status: Only attempts with this status.
          event_id: Only attempts for this event (`evt_…`).
          limit: Maximum number of items to return.
          cursor: Opaque cursor from a previous page's `next_cursor`.

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
        """
        return self._list(
            RequestOptions(
                "GET",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}/deliveries",
                params=query({"status": status, "event_id": event_id, "limit": limit, "cursor": cursor}),
                extra_headers=extra_headers,
                timeout=timeout,
            ),
            AsyncCursorPage[Delivery],
        )

    async def retry(
        self,
        webhook_id: str,
        delivery_id: str,
        *,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        idempotency_key: str | None = None,
    ) -> Delivery:
        """Retry a delivery

        Queues a new attempt of the delivery's event to this webhook, e.g. after fixing the endpoint.

        Args:
          webhook_id: Webhook id (`whk_…`).
          delivery_id: Delivery id (`dlv_…`).

          extra_headers: headers to add to this request only.
          timeout: seconds (or an httpx.Timeout) for this request, overriding the client's.
          idempotency_key: reuse to make a repeated call safe; one is generated otherwise.
        """
        return await self._request(
            RequestOptions(
                "POST",
                f"/v1/webhooks/{path_param('webhook_id', webhook_id)}/deliveries/{path_param('delivery_id', delivery_id)}/retry",
                extra_headers=extra_headers,
                timeout=timeout,
                idempotency_key=idempotency_key,
            ),
            Delivery,
        )


class AsyncWebhooksDeliveriesWithRawResponse:
    def __init__(self, resource: AsyncWebhooksDeliveries) -> None:
        self._resource = resource
        self.list = async_raw_wrapper(resource.list)
        self.retry = async_raw_wrapper(resource.retry)
