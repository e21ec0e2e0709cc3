"""Webhooks: verify the alert webhooks Trigger.dev sends, and manage webhook endpoints.

    import trigger

    event = trigger.webhooks.construct_event(body, request.headers, secret)
    if event.type == "alert.run.failed":
        print(event.object.run.id, event.object.run.error.message)

`construct_event` is local (no network, no client): it checks the
``x-trigger-signature-hmacsha256`` header as the official ``webhooks.constructEvent`` does and
returns a typed event (`trigger.webhooks.events`). The management calls (endpoints,
deliveries, waiters) are on every client as ``client.webhooks``, and here at module level on
the default client (``trigger.webhooks.waiters.create(...)``, see `trigger.configure`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from trigger.webhooks._errors import (
    InvalidSignatureError,
    MissingSignatureError,
    WebhookEndpointNotFoundError,
    WebhookError,
    WebhookFilterError,
    WebhookParseError,
    WebhookWaiterError,
    WebhookWaiterLimitError,
)
from trigger.webhooks._verify import SIGNATURE_HEADER_NAME, construct_event
from trigger.webhooks.events import (
    WEBHOOK_TYPES,
    DeploymentFailedWebhook,
    DeploymentSuccessWebhook,
    ErrorWebhook,
    RunFailedWebhook,
    Webhook,
)

if TYPE_CHECKING:
    from trigger._sync.resources.webhooks import (
        WebhookDeliveries,
        WebhookEndpoints,
        WebhookWaiters,
    )

__all__ = [
    "SIGNATURE_HEADER_NAME",
    "WEBHOOK_TYPES",
    "DeploymentFailedWebhook",
    "DeploymentSuccessWebhook",
    "ErrorWebhook",
    "InvalidSignatureError",
    "MissingSignatureError",
    "RunFailedWebhook",
    "Webhook",
    "WebhookEndpointNotFoundError",
    "WebhookError",
    "WebhookFilterError",
    "WebhookParseError",
    "WebhookWaiterError",
    "WebhookWaiterLimitError",
    "construct_event",
    "deliveries",
    "endpoints",
    "waiters",
]


class _DefaultClientWebhooks:
    """Forwards attribute access to one webhooks namespace of the default client."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        # Imported here: verifying a webhook must not load the client (or need a key).
        from trigger._default import default_client

        return getattr(getattr(default_client().webhooks, self._name), attribute)

    def __repr__(self) -> str:
        return f"<trigger.webhooks.{self._name} of the default client>"


endpoints = cast("WebhookEndpoints", _DefaultClientWebhooks("endpoints"))
"""Webhook endpoints of the default client: list, retrieve, generate or set secrets."""

deliveries = cast("WebhookDeliveries", _DefaultClientWebhooks("deliveries"))
"""Webhook deliveries of the default client: list, retrieve, replay."""

waiters = cast("WebhookWaiters", _DefaultClientWebhooks("waiters"))
"""Webhook waiters of the default client: create, cancel (the official ``webhooks.waiter``)."""
