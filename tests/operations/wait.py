"""Operations of the waitpoint-token group, and realistic token bodies from the spec examples."""

from __future__ import annotations

from typing import Any

from tests.conftest import BASE_URL
from tests.operations import Op

CALLBACK_URL = f"{BASE_URL}/api/v1/waitpoints/tokens/waitpoint_abc123/callback/abc123hash"

CREATED_TOKEN: dict[str, Any] = {"id": "waitpoint_abc123", "isCached": False, "url": CALLBACK_URL}

WAITING_TOKEN: dict[str, Any] = {
    "id": "waitpoint_abc123",
    "url": CALLBACK_URL,
    "status": "WAITING",
    "idempotencyKey": "approval-user-1234567",
    "idempotencyKeyExpiresAt": "2025-03-02T12:00:00.000Z",
    "timeoutAt": "2025-03-01T13:00:00.000Z",
    "completedAfter": "2025-03-01T13:00:00.000Z",
    "tags": ["user:1234567", "org:9876543"],
    "createdAt": "2025-03-01T12:00:00.000Z",
}

COMPLETED_TOKEN: dict[str, Any] = {
    **WAITING_TOKEN,
    "status": "COMPLETED",
    "completedAt": "2025-03-01T12:30:00.000Z",
    "output": '{"status":"approved","comment":"Looks good to me!"}',
    "outputType": "application/json",
    "outputIsError": False,
}

OPERATIONS = [
    Op("POST", "/api/v1/waitpoints/tokens", lambda c: c.wait.create_token(), CREATED_TOKEN),
    Op(
        "GET",
        "/api/v1/waitpoints/tokens",
        lambda c: c.wait.list_tokens(status="WAITING"),
        {"data": [WAITING_TOKEN], "pagination": {}},
    ),
    Op(
        "GET",
        "/api/v1/waitpoints/tokens/{waitpointId}",
        lambda c: c.wait.retrieve_token("waitpoint_abc123"),
        COMPLETED_TOKEN,
    ),
    Op(
        "POST",
        "/api/v1/waitpoints/tokens/{waitpointId}/complete",
        lambda c: c.wait.complete_token("waitpoint_abc123", {"ok": True}),
        {"success": True},
    ),
    Op(
        "POST",
        "/api/v1/waitpoints/tokens/{waitpointId}/callback/{callbackHash}",
        lambda c: c.wait.complete_token_via_callback(CALLBACK_URL, {"status": "approved"}),
        {"success": True},
    ),
]
