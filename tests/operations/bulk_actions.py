"""Operations of the bulk-actions group, and realistic bodies (from the spec's examples)."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

BULK_ACTION: dict[str, Any] = {
    "id": "bulk_1234",
    "name": "Replay failed customer syncs",
    "type": "REPLAY",
    "status": "COMPLETED",
    "counts": {"total": 120, "success": 118, "failure": 2},
    "createdAt": "2024-05-23T12:00:00.000Z",
    "completedAt": "2024-05-23T12:03:30.000Z",
}

PENDING_BULK_ACTION: dict[str, Any] = {
    "id": "bulk_1234",
    "type": "CANCEL",
    "status": "PENDING",
    "counts": {"total": 2, "success": 0, "failure": 0},
    "createdAt": "2024-05-23T12:00:00.000Z",
}

BULK_ACTION_PAGE: dict[str, Any] = {"data": [BULK_ACTION], "pagination": {}}

OPERATIONS = [
    Op(
        "POST",
        "/api/v1/bulk-actions",
        lambda c: c.runs.bulk.cancel(run_ids=["run_1234", "run_5678"]),
        {"id": "bulk_1234"},
    ),
    Op("GET", "/api/v1/bulk-actions", lambda c: c.runs.bulk.list(limit=20), BULK_ACTION_PAGE),
    Op(
        "GET",
        "/api/v1/bulk-actions/{bulkActionId}",
        lambda c: c.runs.bulk.retrieve("bulk_1234"),
        BULK_ACTION,
    ),
    Op(
        "POST",
        "/api/v1/bulk-actions/{bulkActionId}/abort",
        lambda c: c.runs.bulk.abort("bulk_1234"),
        {"id": "bulk_1234"},
    ),
]
