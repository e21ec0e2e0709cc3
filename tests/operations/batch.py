"""Operations of the batches group."""

from __future__ import annotations

import httpx

from tests.operations import Op

ITEMS = [{"task": "send-email", "payload": {"to": "a@example.com"}}]
CREATED = {"id": "batch_1", "runCount": 1, "isCached": False}
SEALED = {"id": "batch_1", "itemsAccepted": 1, "itemsDeduplicated": 0, "sealed": True}
# What the server answers a new v2 batch (RunEngineBatchTriggerService.call).
V2_BATCH = {"id": "batch_1", "isCached": False, "idempotencyKey": "key-1", "runCount": 1}
BATCH = {"id": "batch_1", "status": "COMPLETED", "runCount": 1, "runs": ["run_1"]}


RESULTS = {
    "id": "batch_1",
    "items": [{"ok": True, "id": "run_1", "outputType": "application/json"}],
}
BATCH_V1 = {
    **BATCH,
    "createdAt": "2024-05-23T12:00:00.000Z",
    "updatedAt": "2024-05-23T12:00:05.000Z",
}


def results_and_batch(request: httpx.Request) -> httpx.Response:
    """`batch.results` reads the results, then the batch (for the runs the server left out)."""
    return httpx.Response(200, json=RESULTS if request.url.path.endswith("/results") else BATCH_V1)


def two_phase(request: httpx.Request) -> httpx.Response:
    """`batch.trigger` makes two requests: the create, then the item stream."""
    if request.url.path.endswith("/items"):
        return httpx.Response(200, json=SEALED)
    return httpx.Response(202, json=CREATED)


OPERATIONS = [
    Op(
        "POST",
        "/api/v1/tasks/{taskIdentifier}/batch",
        lambda c: c.batch.trigger_task_v1("send-email", [{"payload": 1}]),
        {"batchId": "batch_1", "runs": ["run_1"]},
    ),
    Op(
        "POST",
        "/api/v1/tasks/batch",
        lambda c: c.batch.trigger_v1(ITEMS),
        {"id": "batch_1", "isCached": False, "runs": []},
    ),
    Op(
        "POST",
        "/api/v2/tasks/batch",
        lambda c: c.batch.trigger_v2(ITEMS),
        V2_BATCH,
    ),
    Op("POST", "/api/v3/batches", lambda c: c.batch.create(1), CREATED),
    Op("POST", "/api/v3/batches/{batchId}/items", lambda c: c.batch.trigger(ITEMS), two_phase),
    Op("GET", "/api/v2/batches/{batchId}", lambda c: c.batch.retrieve("batch_1"), BATCH),
    Op("GET", "/api/v1/batches/{batchId}", lambda c: c.batch.retrieve_v1("batch_1"), BATCH),
    Op(
        "GET",
        "/api/v1/batches/{batchId}/results",
        lambda c: c.batch.results("batch_1"),
        results_and_batch,
    ),
]
