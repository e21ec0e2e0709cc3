"""Operations of the webhooks group (SURFACE-4.8 §7), and realistic bodies from its schemas."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

ENDPOINT: dict[str, Any] = {
    "id": "wh_cm3k9x2pq0001abcd1234efgh",
    "declaredId": "stripe",
    "source": "stripe",
    "status": "active",
    "secretProvisioning": "provider",
    "secretSet": True,
    "tenantId": None,
    "externalRef": None,
    "url": "https://api.trigger.dev/webhooks/v1/ingest/op_7f3k2m9x",
    "createdAt": "2024-05-20T08:15:00.000Z",
    "updatedAt": "2024-05-23T11:59:00.000Z",
}

ENDPOINT_DETAIL: dict[str, Any] = {
    **ENDPOINT,
    "subscribers": [
        {
            "id": "fulfil-order",
            "type": "task",
            "taskId": "fulfil-order",
            "filter": "event.type == 'checkout.session.completed'",
        },
        {
            "id": "support-agent:refund",
            "type": "session",
            "taskId": "support-agent",
            "filter": None,
        },
    ],
    "setupPrompt": "Add https://api.trigger.dev/webhooks/v1/ingest/op_7f3k2m9x in Stripe.",
}

LISTED_DELIVERY: dict[str, Any] = {
    "id": "whd_06h3564n2oiq7hfreij9epuq02",
    "endpoint": {"id": "wh_cm3k9x2pq0001abcd1234efgh", "declaredId": "stripe"},
    "status": "succeeded",
    "externalDeliveryId": "evt_1PqR2sT3uV4wX5yZ",
    "isTest": False,
    "createdAt": "2024-05-23T11:58:40.001Z",
    "processedAt": "2024-05-23T11:58:40.140Z",
}

DELIVERY: dict[str, Any] = {
    **LISTED_DELIVERY,
    "idempotencyKey": "evt_1PqR2sT3uV4wX5yZ",
    "event": {"id": "evt_1PqR2sT3uV4wX5yZ", "type": "checkout.session.completed"},
    "headers": {"content-type": "application/json", "user-agent": "Stripe/1.0"},
    "rawBodyHash": "1e305566e7ea79f378b7d3867db828fbd6e0c8d9caea20d3f4c7ab64eea84efe",
    "error": None,
    "filterReason": None,
    "targets": [
        {
            "id": "fulfil-order",
            "type": "task",
            "status": "succeeded",
            "reason": None,
            "error": None,
            "runId": "run_cm1a2b3c4d5e6f7g8h9i0j1k",
            "sessionId": None,
            "waiters": None,
        },
        {
            "id": "waiters",
            "type": "waiter",
            "status": "succeeded",
            "reason": None,
            "error": None,
            "runId": None,
            "sessionId": None,
            "waiters": {"matched": 2, "resumed": 2, "failed": 0},
        },
    ],
    "updatedAt": "2024-05-23T11:58:40.140Z",
}

DELIVERY_PAGE: dict[str, Any] = {"data": [LISTED_DELIVERY], "pagination": {}}

WAITER: dict[str, Any] = {
    "id": "waitpoint_cm4w8t2x90001qrst5678uvwx",
    "expiresAt": "2024-05-24T11:58:40.000Z",
    "isCached": False,
}

SECRET: dict[str, Any] = {
    "id": "wh_cm3k9x2pq0001abcd1234efgh",
    "secretSet": True,
    "secret": "whsec_5b1e0c7f0f6d4c8a9b2e3d4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b",
}

OPERATIONS = [
    Op(
        "GET",
        "/api/v1/webhooks/endpoints",
        lambda c: c.webhooks.endpoints.list(),
        {"data": [ENDPOINT]},
    ),
    Op(
        "GET",
        "/api/v1/webhooks/endpoints/{endpointId}",
        lambda c: c.webhooks.endpoints.retrieve("stripe"),
        ENDPOINT_DETAIL,
    ),
    Op(
        "POST",
        "/api/v1/webhooks/endpoints/{endpointId}/rotate-secret",
        lambda c: c.webhooks.endpoints.generate_secret("stripe"),
        SECRET,
    ),
    Op(
        "PUT",
        "/api/v1/webhooks/endpoints/{endpointId}/secret",
        lambda c: c.webhooks.endpoints.set_secret("stripe", "whsec_from_the_provider"),
        {"id": ENDPOINT["id"], "secretSet": True},
    ),
    Op(
        "GET",
        "/api/v1/webhooks/deliveries",
        lambda c: c.webhooks.deliveries.list(status="failed"),
        DELIVERY_PAGE,
    ),
    Op(
        "GET",
        "/api/v1/webhooks/deliveries/{deliveryId}",
        lambda c: c.webhooks.deliveries.retrieve(LISTED_DELIVERY["id"]),
        DELIVERY,
    ),
    Op(
        "POST",
        "/api/v1/webhooks/deliveries/{deliveryId}/replay",
        lambda c: c.webhooks.deliveries.replay(LISTED_DELIVERY["id"]),
        {"deliveryId": "whd_06h3564nr4f2bhtghq7g305r02", "replayedFrom": LISTED_DELIVERY["id"]},
    ),
    Op(
        "POST",
        "/api/v1/webhooks/endpoints/{endpointId}/waiters",
        lambda c: c.webhooks.waiters.create("stripe", match={"event.data.object.id": "pi_1"}),
        WAITER,
    ),
    Op(
        "POST",
        "/api/v1/webhooks/waiters/{waiterId}/cancel",
        lambda c: c.webhooks.waiters.cancel(WAITER["id"]),
        {"cancelled": True},
    ),
]
