"""`client.webhooks`: webhook endpoints, their deliveries, and waiters.

Verifying the alert webhooks Trigger.dev itself sends is local and needs no client: see
`trigger.webhooks.construct_event`.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

import msgspec

from trigger._exceptions import APIStatusError
from trigger._models import decoder
from trigger._paginator import AsyncPaginator
from trigger._paging import PageSpec
from trigger._response import async_raw_response_wrapper
from trigger._types import RequestOptions
from trigger._wire import webhooks as wire
from trigger.types.webhooks import (
    CancelledWebhookWaiter,
    ReplayedWebhookDelivery,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointDetail,
    WebhookEndpointSecret,
    WebhookEndpointSecretSet,
    WebhookListedDelivery,
    WebhookWaiter,
)

if TYPE_CHECKING:
    from trigger._async.client import AsyncClient

__all__ = [
    "AsyncWebhookDeliveries",
    "AsyncWebhookDeliveriesWithRawResponse",
    "AsyncWebhookEndpoints",
    "AsyncWebhookEndpointsWithRawResponse",
    "AsyncWebhookWaiters",
    "AsyncWebhookWaitersWithRawResponse",
    "AsyncWebhooks",
]


class _EndpointList(msgspec.Struct):
    data: builtins.list[WebhookEndpoint]


def _endpoints(content: bytes) -> builtins.list[WebhookEndpoint]:
    return decoder(_EndpointList).decode(content).data


def _cancelled(content: bytes) -> CancelledWebhookWaiter:
    return wire.cancelled_waiter(decoder(CancelledWebhookWaiter).decode(content))


class AsyncWebhooks:
    """The webhooks API: ``client.webhooks.endpoints``, ``.deliveries`` and ``.waiters``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    @cached_property
    def endpoints(self) -> AsyncWebhookEndpoints:
        """Webhook endpoints: list, retrieve, generate or set their signing secret."""
        return AsyncWebhookEndpoints(self._client)

    @cached_property
    def deliveries(self) -> AsyncWebhookDeliveries:
        """Deliveries received on the endpoints: list, retrieve, replay."""
        return AsyncWebhookDeliveries(self._client)

    @cached_property
    def waiters(self) -> AsyncWebhookWaiters:
        """Waiters: waitpoints the next matching delivery completes (create, cancel)."""
        return AsyncWebhookWaiters(self._client)


class AsyncWebhookEndpoints:
    """The webhook endpoints API: ``client.webhooks.endpoints``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncWebhookEndpointsWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def list(
        self, *, request_options: RequestOptions | None = None
    ) -> builtins.list[WebhookEndpoint]:
        """Every webhook endpoint of the environment (not paginated).

        Args:
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET", "/api/v1/webhooks/endpoints", parse=_endpoints, options=request_options
        )

    async def retrieve(
        self, endpoint_id: str, *, request_options: RequestOptions | None = None
    ) -> WebhookEndpointDetail:
        """Retrieve an endpoint with its subscribers and setup prompt.

        Args:
            endpoint_id: The declared id (``stripe``) or the ``wh_…`` id.
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET",
            wire.endpoint_path(endpoint_id),
            parse=decoder(WebhookEndpointDetail).decode,
            options=request_options,
        )

    async def generate_secret(
        self,
        endpoint_id: str,
        *,
        previous_secret_ttl: int | timedelta | None = None,
        request_options: RequestOptions | None = None,
    ) -> WebhookEndpointSecret:
        """Generate a new signing secret for an endpoint (rotate it); it is shown only once.

        Args:
            endpoint_id: The declared id or the ``wh_…`` id.
            previous_secret_ttl: How long the replaced secret keeps verifying deliveries:
                seconds (0 to 604800, 7 days) or a `timedelta`; ``None`` or 0 replaces it at
                once.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            The new secret (``repr()`` hides it; read ``.secret``).
        """
        body = wire.rotate_secret_body(previous_secret_ttl)
        return await self._client._request(
            "POST",
            wire.endpoint_path(endpoint_id, "rotate-secret"),
            parse=decoder(WebhookEndpointSecret).decode,
            body=body,
            options=request_options,
        )

    async def set_secret(
        self,
        endpoint_id: str,
        secret: str,
        *,
        previous_secret_ttl: int | timedelta | None = None,
        request_options: RequestOptions | None = None,
    ) -> WebhookEndpointSecretSet:
        """Store a signing secret (or public key) the provider issued for an endpoint.

        Args:
            endpoint_id: The declared id or the ``wh_…`` id.
            secret: The secret, 1 to 4096 characters once trimmed (never echoed in errors).
            previous_secret_ttl: How long the replaced secret keeps verifying deliveries:
                seconds (0 to 604800) or a `timedelta`; ``None`` or 0 replaces it at once.
            request_options: Per-call retry, timeout and header overrides.
        """
        body = wire.set_secret_body(secret, previous_secret_ttl)
        return await self._client._request(
            "PUT",
            wire.endpoint_path(endpoint_id, "secret"),
            parse=decoder(WebhookEndpointSecretSet).decode,
            body=body,
            options=request_options,
        )


class AsyncWebhookDeliveries:
    """The webhook deliveries API: ``client.webhooks.deliveries``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncWebhookDeliveriesWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    def list(
        self,
        *,
        endpoint: str | Sequence[str] | None = None,
        status: str | Sequence[str] | None = None,
        period: str | None = None,
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
        limit: int | None = None,
        after: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> AsyncPaginator[WebhookListedDelivery]:
        """List deliveries, newest first. Iterate the result to walk every page.

        Args:
            endpoint: Endpoint(s), by declared or ``wh_…`` id.
            status: ``pending``, ``processing``, ``succeeded``, ``failed``, ``filtered``,
                ``unmatched``, or several of them.
            period: Only deliveries within this period, e.g. ``"1d"`` (not with from_/to).
            from_: Start of the range: an aware datetime (sent as ISO 8601) or an ISO string.
            to: End of the range, in the same forms.
            limit: Page size (1-100).
            after: Start after this cursor.
            request_options: Per-call retry, timeout and header overrides.
        """
        query = wire.list_deliveries_query(
            endpoint=endpoint,
            status=status,
            period=period,
            from_=from_,
            to=to,
            limit=limit,
            after=after,
        )
        return self._client._paginate(
            PageSpec(
                "cursor",
                WebhookListedDelivery,
                "/api/v1/webhooks/deliveries",
                query,
                request_options,
            )
        )

    async def retrieve(
        self, delivery_id: str, *, request_options: RequestOptions | None = None
    ) -> WebhookDelivery:
        """Retrieve a delivery: its event, headers, and what each subscriber did with it.

        Args:
            delivery_id: The delivery (``whd_…``).
            request_options: Per-call retry, timeout and header overrides.
        """
        return await self._client._request(
            "GET",
            wire.delivery_path(delivery_id),
            parse=decoder(WebhookDelivery).decode,
            options=request_options,
        )

    async def replay(
        self,
        delivery_id: str,
        *,
        target_id: str | None = None,
        request_options: RequestOptions | None = None,
    ) -> ReplayedWebhookDelivery:
        """Route a delivery's event again, as a new delivery (waiters are never resumed).

        Filters are checked again, unless ``target_id`` names the one subscriber to send it
        to regardless of its filter.

        Args:
            delivery_id: The delivery (``whd_…``).
            target_id: A subscriber id: a task's id, or ``agentId:eventId``.
            request_options: Per-call retry, timeout and header overrides.
        """
        query = wire.replay_query(target_id)
        return await self._client._request(
            "POST",
            wire.delivery_path(delivery_id, "replay"),
            parse=decoder(ReplayedWebhookDelivery).decode,
            query=query,
            options=request_options,
        )


class AsyncWebhookWaiters:
    """Webhook waiters: ``client.webhooks.waiters`` (the official ``webhooks.waiter``)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self.with_raw_response = AsyncWebhookWaitersWithRawResponse(self)
        """The same methods, returning `APIResponse` (status, headers, ``parse()``)."""

    async def create(
        self,
        endpoint: str | WebhookEndpoint,
        *,
        match: Mapping[str, str | int | float | bool] | None = None,
        filter: str | None = None,
        timeout: str | datetime | timedelta | None = None,
        tags: str | Sequence[str] | None = None,
        idempotency_key: str | Sequence[str] | None = None,
        idempotency_key_ttl: str | timedelta | None = None,
        request_options: RequestOptions | None = None,
    ) -> WebhookWaiter:
        """Register a waiter: the next matching delivery on the endpoint completes it.

        Only deliveries that arrive after this call match, so create it before doing what
        makes the provider send the webhook. A task waits on it with the waiter's id, as on
        a waitpoint token.

        Args:
            endpoint: The endpoint: its declared id, its ``wh_…`` id, or a `WebhookEndpoint`.
            match: Up to 5 paths and the value each must equal: ``event.<field>`` (the
                body), ``header.<name>`` or ``webhook.<field>`` (the endpoint). Without it
                the waiter gets its own ``url``, resumed only by a delivery to that URL.
            filter: A filter expression the event must also pass (checked after ``match``).
            timeout: When it times out: a duration (``"1h"``), an aware datetime, or a
                `timedelta` of whole seconds. The server's default is 24 hours, its
                maximum 90 days.
            tags: Tags for its waitpoint (up to 10; it is also tagged ``webhook:<endpoint>``).
            idempotency_key: Return the waiter created with this key instead of a new one
                (hashed as the official SDK hashes it). Without one a random key is sent, so
                a retried call still creates one waiter.
            idempotency_key_ttl: How long the key deduplicates, e.g. ``"1h"``.
            request_options: Per-call retry, timeout and header overrides.

        Raises:
            WebhookWaiterLimitError: A waiter limit was reached (``reason`` says which).
            WebhookEndpointNotFoundError: The endpoint is not in the current deployment.
            WebhookFilterError: The filter does not parse.
        """
        path = wire.endpoint_path(endpoint, "waiters")
        body = wire.create_waiter_body(
            match=match,
            filter=filter,
            timeout=timeout,
            tags=tags,
            idempotency_key=idempotency_key,
            idempotency_key_ttl=idempotency_key_ttl,
        )
        try:
            return await self._client._request(
                "POST",
                path,
                parse=decoder(WebhookWaiter).decode,
                body=body,
                options=request_options,
            )
        except APIStatusError as error:
            typed = wire.waiter_error(error)
            if typed is error:
                raise
            raise typed from None

    async def cancel(
        self, waiter: str | WebhookWaiter, *, request_options: RequestOptions | None = None
    ) -> CancelledWebhookWaiter:
        """Cancel a waiter: its wait fails, unless a delivery already claimed it.

        Args:
            waiter: The waiter (``waitpoint_…``) or a `WebhookWaiter`.
            request_options: Per-call retry, timeout and header overrides.

        Returns:
            ``cancelled`` true, or false with ``reason`` ``too_late`` and the claiming
            ``delivery_id``.
        """
        return await self._client._request(
            "POST", wire.waiter_cancel_path(waiter), parse=_cancelled, options=request_options
        )


class AsyncWebhookEndpointsWithRawResponse:
    """`AsyncWebhookEndpoints` methods that return the `APIResponse` instead of the data."""

    def __init__(self, endpoints: AsyncWebhookEndpoints) -> None:
        self.list = async_raw_response_wrapper(endpoints.list)
        self.retrieve = async_raw_response_wrapper(endpoints.retrieve)
        self.generate_secret = async_raw_response_wrapper(endpoints.generate_secret)
        self.set_secret = async_raw_response_wrapper(endpoints.set_secret)


class AsyncWebhookDeliveriesWithRawResponse:
    """`AsyncWebhookDeliveries` methods that return the `APIResponse` instead of the data."""

    def __init__(self, deliveries: AsyncWebhookDeliveries) -> None:
        self.list = async_raw_response_wrapper(deliveries.list)
        self.retrieve = async_raw_response_wrapper(deliveries.retrieve)
        self.replay = async_raw_response_wrapper(deliveries.replay)


class AsyncWebhookWaitersWithRawResponse:
    """`AsyncWebhookWaiters` methods that return the `APIResponse` instead of the data."""

    def __init__(self, waiters: AsyncWebhookWaiters) -> None:
        self.create = async_raw_response_wrapper(waiters.create)
        self.cancel = async_raw_response_wrapper(waiters.cancel)
