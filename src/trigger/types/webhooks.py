"""Models of webhook endpoints, their deliveries and waiters (``client.webhooks``).

An endpoint is a URL Trigger.dev hosts for a provider (Stripe, GitHub …) to post to; each
verified request is a delivery, routed to the endpoint's subscribers (tasks, sessions) and to
waiters, the waitpoints of runs waiting for a matching event. Statuses are lower case on the
wire, and kept as plain strings so that a new one never breaks decoding.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from trigger._models import Model

__all__ = [
    "WEBHOOK_DELIVERY_STATUSES",
    "WEBHOOK_WAITER_LIMIT_REASONS",
    "CancelledWebhookWaiter",
    "ReplayedWebhookDelivery",
    "WebhookDelivery",
    "WebhookDeliveryEndpoint",
    "WebhookDeliveryTarget",
    "WebhookEndpoint",
    "WebhookEndpointDetail",
    "WebhookEndpointSecret",
    "WebhookEndpointSecretSet",
    "WebhookEndpointSubscriber",
    "WebhookListedDelivery",
    "WebhookWaiter",
    "WebhookWaiterSummary",
]

WEBHOOK_DELIVERY_STATUSES = frozenset(
    {"pending", "processing", "succeeded", "failed", "filtered", "unmatched"}
)
"""The statuses a delivery can have (the deliveries filter takes these)."""

WEBHOOK_WAITER_LIMIT_REASONS = frozenset(
    {"environment_limit", "endpoint_limit", "shape_limit", "timeout_too_long"}
)
"""Why a waiter was refused (`WebhookWaiterLimitError.reason`)."""


class WebhookEndpoint(Model, kw_only=True):
    """A webhook endpoint: one hosted URL for a provider to post to."""

    id: str
    """Endpoint id, ``wh_…``."""
    declared_id: str
    """The id it is declared with in code (``webhooks.endpoint.define({ id })``)."""
    source: str
    """The provider, e.g. ``stripe``, ``github`` or ``custom``."""
    status: str
    """``active``, ``inactive`` or ``deleting``."""
    secret_provisioning: str
    """Who supplies the signing secret: ``provider``, ``integrator`` or ``either``."""
    secret_set: bool
    """Whether a signing secret (or public key) is set; its value is never returned."""
    tenant_id: str | None = None
    """Tenant scope of a dynamic endpoint; ``None`` for a declared one."""
    external_ref: str | None = None
    """External reference of a dynamic endpoint."""
    url: str
    """The hosted ingress URL to give the provider."""
    created_at: datetime
    """When the endpoint was created."""
    updated_at: datetime
    """When it last changed."""


class WebhookEndpointSubscriber(Model, kw_only=True):
    """A subscriber of an endpoint: a ``webhook()`` task or an agent session."""

    id: str
    """Subscriber id (a task's id, or ``agentId:eventId``)."""
    type: str
    """``task`` or ``session``."""
    task_id: str
    """The subscribing task (for a session subscriber: the agent)."""
    filter: str | None = None
    """Its filter expression, if any."""


class WebhookEndpointDetail(WebhookEndpoint, kw_only=True):
    """An endpoint with its subscribers (`endpoints.retrieve`)."""

    subscribers: list[WebhookEndpointSubscriber] = msgspec.field(default_factory=list)
    """Every task and session subscribed to it."""
    setup_prompt: str = ""
    """Instructions for an AI agent to register the endpoint with its provider."""


class WebhookEndpointSecret(Model, kw_only=True):
    """A newly generated signing secret (`endpoints.generate_secret`), shown only once.

    ``repr()`` hides the secret; read ``.secret`` to store it.
    """

    id: str
    """The endpoint, ``wh_…``."""
    secret_set: bool = True
    """Always true."""
    secret: str
    """The new secret (``whsec_…``). The API never shows it again."""
    previous_secret_expires_at: str | None = None
    """When the replaced secret stops verifying (absent: it stopped at once)."""


class WebhookEndpointSecretSet(Model, kw_only=True):
    """The answer to setting an endpoint's secret (`endpoints.set_secret`)."""

    id: str
    """The endpoint, ``wh_…``."""
    secret_set: bool = True
    """Always true."""
    previous_secret_expires_at: str | None = None
    """When the replaced secret stops verifying (absent: it stopped at once)."""


class WebhookDeliveryEndpoint(Model, kw_only=True):
    """The endpoint a delivery arrived on."""

    id: str
    """Endpoint id, ``wh_…``."""
    declared_id: str
    """Its declared id."""


class WebhookListedDelivery(Model, kw_only=True):
    """A delivery as `deliveries.list` shows it."""

    id: str
    """Delivery id, ``whd_…``."""
    endpoint: WebhookDeliveryEndpoint | None = None
    """The endpoint it arrived on (``None`` once that endpoint is removed)."""
    status: str
    """``pending``, ``processing``, ``succeeded``, ``failed``, ``filtered`` or ``unmatched``."""
    external_delivery_id: str
    """The provider's delivery id (a Stripe event id, GitHub's ``X-GitHub-Delivery`` …)."""
    is_test: bool = False
    """Whether it was a test delivery."""
    created_at: datetime
    """When it arrived."""
    processed_at: datetime | None = None
    """When routing finished."""


class WebhookWaiterSummary(Model, kw_only=True):
    """What a delivery did to the runs waiting on its endpoint."""

    matched: int
    """Waiters it matched."""
    resumed: int
    """Waiting runs it resumed."""
    failed: int
    """Waiting runs it failed to resume."""


class WebhookDeliveryTarget(Model, kw_only=True):
    """What a delivery did for one subscriber, or (``type`` ``waiter``) for the waiters."""

    id: str
    """The subscriber's id, or ``waiters`` for the waiter summary."""
    type: str
    """``task``, ``session`` or ``waiter``."""
    status: str
    """``pending``, ``succeeded``, ``failed`` or ``filtered``."""
    reason: str | None = None
    """Why a filtered target skipped the event."""
    error: str | None = None
    """Why it failed."""
    run_id: str | None = None
    """The run it started (``run_…``)."""
    session_id: str | None = None
    """The session it reached."""
    waiters: WebhookWaiterSummary | None = None
    """For the waiter summary: matched, resumed and failed counts."""


class WebhookDelivery(WebhookListedDelivery, kw_only=True):
    """A delivery with its event, headers and per-subscriber results (`deliveries.retrieve`)."""

    idempotency_key: str
    """The key deliveries are deduplicated by."""
    event: Any = None
    """The verified event body (size-capped), as JSON data."""
    headers: dict[str, str] | None = None
    """The request's headers (credentials removed)."""
    raw_body_hash: str | None = None
    """Hash of the raw request body."""
    error: str | None = None
    """Why it failed."""
    filter_reason: str | None = None
    """For a ``filtered`` delivery: the failing clause and the actual value."""
    targets: list[WebhookDeliveryTarget] = msgspec.field(default_factory=list)
    """One entry per subscriber, plus one for waiting runs it matched."""
    updated_at: datetime
    """When it last changed."""


class ReplayedWebhookDelivery(Model, kw_only=True):
    """The new delivery a replay created (`deliveries.replay`)."""

    delivery_id: str
    """The new delivery (``whd_…``); retrieve it once processed for its runs."""
    replayed_from: str
    """The delivery it was replayed from."""


class WebhookWaiter(Model, kw_only=True):
    """A waiter (`waiters.create`): a waitpoint that the next matching delivery completes.

    Give its ``id`` to a task, which waits on it as on any waitpoint token.
    """

    id: str
    """The waiter's id, which is also its waitpoint id (``waitpoint_…``)."""
    url: str | None = None
    """For a waiter created without ``match``: its own URL, to give a provider that takes
    a callback URL per request."""
    expires_at: datetime
    """When it times out."""
    is_cached: bool = False
    """Whether its idempotency key returned an existing waiter."""


class CancelledWebhookWaiter(Model, kw_only=True):
    """The outcome of `waiters.cancel`."""

    cancelled: bool
    """Whether it was cancelled (its wait fails with ``WebhookWaiterCancelledError``)."""
    reason: str | None = None
    """``too_late`` when a delivery had already claimed it."""
    delivery_id: str | None = None
    """The delivery that claimed it, when it was too late."""
