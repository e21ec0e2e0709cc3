"""Operations of the queues group, and realistic queue bodies (from the spec's examples)."""

from __future__ import annotations

from typing import Any

from tests.operations import Op

QUEUE: dict[str, Any] = {
    "id": "queue_1234",
    "name": "my-task-id",
    "type": "task",
    "running": 5,
    "queued": 10,
    "paused": False,
    "concurrencyLimit": 10,
    "concurrency": {
        "current": 10,
        "base": 10,
        "override": None,
        "overriddenAt": None,
        "overriddenBy": None,
    },
    "releaseConcurrencyOnWaitpoint": True,
}

QUEUE_PAGE: dict[str, Any] = {
    "data": [QUEUE],
    "pagination": {"currentPage": 1, "totalPages": 1, "count": 1},
}

OPERATIONS = [
    Op("GET", "/api/v1/queues", lambda c: c.queues.list(per_page=10), QUEUE_PAGE),
    Op("GET", "/api/v1/queues/{queueParam}", lambda c: c.queues.retrieve("queue_1234"), QUEUE),
    Op(
        "POST",
        "/api/v1/queues/{queueParam}/pause",
        lambda c: c.queues.pause({"type": "task", "name": "my-task-id"}),
        {**QUEUE, "paused": True},
    ),
    Op(
        "POST",
        "/api/v1/queues/{queueParam}/concurrency/override",
        lambda c: c.queues.override_concurrency_limit("queue_1234", 5),
        QUEUE,
    ),
    Op(
        "POST",
        "/api/v1/queues/{queueParam}/concurrency/reset",
        lambda c: c.queues.reset_concurrency_limit("my-queue", type="custom"),
        QUEUE,
    ),
]
