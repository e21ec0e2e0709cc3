"""Operations of the error-groups group, and realistic bodies (from the spec's schemas)."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

LISTED_ERROR: dict[str, Any] = {
    "id": "error_8f3b2a1c9d4e5f60",
    "fingerprint": "3f9a1c2b7d4e5f60",
    "taskIdentifier": "sync-customer",
    "errorType": "TypeError",
    "errorMessage": "Cannot read properties of undefined (reading 'id')",
    "status": "unresolved",
    "count": 42,
    "firstSeen": "2024-05-20T08:15:00.000Z",
    "lastSeen": "2024-05-23T11:59:00.000Z",
    "resolvedAt": None,
    "ignoredUntil": None,
}

ERROR_GROUP: dict[str, Any] = {
    **LISTED_ERROR,
    "count": 1337,
    "affectedVersions": ["20240523.1", "20240522.3"],
    "resolvedInVersion": None,
    "resolvedBy": None,
    "ignoredAt": None,
    "ignoredReason": None,
    "ignoredByUserId": None,
    "ignoredUntilOccurrenceRate": None,
    "ignoredUntilTotalOccurrences": None,
}

ERROR_PAGE: dict[str, Any] = {"data": [LISTED_ERROR], "pagination": {}}

OPERATIONS = [
    Op("GET", "/api/v1/errors", lambda c: c.errors.list(status="unresolved"), ERROR_PAGE),
    Op(
        "GET",
        "/api/v1/errors/{errorId}",
        lambda c: c.errors.retrieve("error_8f3b2a1c9d4e5f60"),
        ERROR_GROUP,
    ),
    Op(
        "POST",
        "/api/v1/errors/{errorId}/resolve",
        lambda c: c.errors.resolve("error_8f3b2a1c9d4e5f60", resolved_in_version="20240101.1"),
        {**ERROR_GROUP, "status": "resolved", "resolvedInVersion": "20240101.1"},
    ),
    Op(
        "POST",
        "/api/v1/errors/{errorId}/ignore",
        lambda c: c.errors.ignore("error_8f3b2a1c9d4e5f60", duration=86_400_000),
        {**ERROR_GROUP, "status": "ignored"},
    ),
    Op(
        "POST",
        "/api/v1/errors/{errorId}/unresolve",
        lambda c: c.errors.unresolve("error_8f3b2a1c9d4e5f60"),
        ERROR_GROUP,
    ),
]
