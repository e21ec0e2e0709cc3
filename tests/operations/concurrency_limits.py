"""Operations of the named concurrency-limit group, and realistic bodies (4.8.3 docs)."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

LIMIT: dict[str, Any] = {
    "id": "climit_1234",
    "name": "openai",
    "perKey": {"current": None, "base": None, "override": None, "overriddenAt": None},
    "total": {"current": 25, "base": 25, "override": None, "overriddenAt": None},
    "running": 14,
    "queued": 100,
    "paused": False,
}

KEY_VIEW: dict[str, Any] = {
    "name": "subagents",
    "concurrencyKey": "session_1",
    "perKey": {
        "current": 3,
        "base": 1,
        "override": 3,
        "expiresAt": "2026-12-08T12:00:00.000Z",
    },
    "running": 2,
    "paused": False,
}

LIMIT_PAGE: dict[str, Any] = {
    "data": [LIMIT],
    "pagination": {"currentPage": 1, "totalPages": 1, "count": 1},
}

OPERATIONS = [
    Op(
        "GET",
        "/api/v1/concurrency-limits",
        lambda c: c.concurrency_limits.list(per_page=20),
        LIMIT_PAGE,
    ),
    Op(
        "GET",
        "/api/v1/concurrency-limits/{name}",
        lambda c: c.concurrency_limits.retrieve("openai"),
        LIMIT,
    ),
    Op(
        "POST",
        "/api/v1/concurrency-limits/{name}/override",
        lambda c: c.concurrency_limits.override("openai", total=50),
        LIMIT,
    ),
    Op(
        "POST",
        "/api/v1/concurrency-limits/{name}/pause",
        lambda c: c.concurrency_limits.pause("openai"),
        {**LIMIT, "paused": True},
    ),
    Op(
        "POST",
        "/api/v1/concurrency-limits/{name}/reset",
        lambda c: c.concurrency_limits.reset("openai"),
        LIMIT,
    ),
]
