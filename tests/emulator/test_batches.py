"""Batches: the two-phase v3 API, the one-shot endpoints, retrieve and results.

Through the real SDK over real sockets (Client and AsyncClient on asyncio and trio), and with
raw httpx for the exact statuses and bodies the real server answers (measured on it).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

import trigger
from trigger.emulator import Emulator, TaskContext
from trigger.emulator.store import Store

NDJSON = {"content-type": "application/x-ndjson"}
API_VERSION = {"x-trigger-api-version": "2025-07-16"}


def _headers(key: str, **extra: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}", **API_VERSION, **extra}


@pytest.fixture
def http(trigger_emulator: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=trigger_emulator.url, headers=_headers(trigger_emulator.secret_key)
    ) as client:
        yield client


def _lines(*items: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(item).encode() + b"\n" for item in items)


def _create(http: httpx.Client, run_count: int, **body: Any) -> str:
    response = http.post("/api/v3/batches", json={"runCount": run_count, **body})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _wait_batch(http: httpx.Client, batch_id: str, status: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        body = http.get(f"/api/v2/batches/{batch_id}").json()
        if body["status"] == status:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.01)


# -- through the SDK ---------------------------------------------------------------------


def test_batch_trigger_runs_every_item_and_completes(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    @trigger_emulator.task("square")
    def square(payload: dict[str, int], ctx: TaskContext) -> int:
        return payload["n"] ** 2

    result = trigger_client.batch.trigger(
        [{"task": "square", "payload": {"n": n}} for n in range(10)]
    )
    assert result.id.startswith("batch_")
    assert (result.run_count, result.is_cached) == (10, False)
    assert result.public_access_token

    deadline = time.monotonic() + 10
    batch = trigger_client.batch.retrieve(result.id)
    while batch.status != "COMPLETED":
        assert time.monotonic() < deadline, batch
        time.sleep(0.02)
        batch = trigger_client.batch.retrieve(result.id)
    assert len(batch.runs) == 10
    assert batch.processing_completed_at is not None
    assert batch.processing is not None and batch.processing.errors == []
    runs = [trigger_client.runs.retrieve(run_id) for run_id in batch.runs]
    assert [run.output for run in runs] == [n**2 for n in range(10)]
    assert {run.batch_id for run in runs} == {result.id}
    assert {run.trigger_function for run in runs} == {"batchTrigger"}

    listed = list(trigger_client.runs.list(batch=result.id))
    assert sorted(run.id for run in listed) == sorted(batch.runs)

    v1 = trigger_client.batch.retrieve_v1(result.id)
    assert (v1.successful_run_count, v1.failed_run_count) == (10, 0)
    # The server lists no results for a v3 batch; the SDK then reads each run's result.
    results = trigger_client.batch.results(result.id)
    assert sorted(item.id for item in results.items) == sorted(batch.runs)


def test_batch_of_1000_items(trigger_emulator: Emulator, trigger_client: trigger.Client) -> None:
    result = trigger_client.batch.trigger(
        [{"task": "bulk-item", "payload": {"n": n}} for n in range(1000)]
    )
    assert result.run_count == 1000
    deadline = time.monotonic() + 30
    batch = trigger_client.batch.retrieve(result.id)
    while batch.status != "COMPLETED":
        assert time.monotonic() < deadline, batch.status
        time.sleep(0.05)
        batch = trigger_client.batch.retrieve(result.id)
    assert len(set(batch.runs)) == 1000
    first, last = (trigger_client.runs.retrieve(batch.runs[i]) for i in (0, 999))
    assert (first.payload, last.payload) == ({"n": 0}, {"n": 999})
    assert sum(1 for _ in trigger_client.runs.list(batch=result.id, limit=100)) == 1000


@pytest.mark.anyio
async def test_async_batch_trigger_retrieve_and_results(
    trigger_emulator: Emulator, trigger_async_client: trigger.AsyncClient
) -> None:
    @trigger_emulator.task("shout")
    async def shout(payload: str) -> str:
        return payload.upper()

    client = trigger_async_client
    result = await client.batch.trigger([{"task": "shout", "payload": w} for w in "abc"])
    deadline = time.monotonic() + 10
    batch = await client.batch.retrieve(result.id)
    while batch.status != "COMPLETED":
        assert time.monotonic() < deadline
        batch = await client.batch.retrieve(result.id)
    outputs = sorted([(await client.runs.retrieve(r)).output for r in batch.runs])
    assert outputs == ["A", "B", "C"]
    results = await client.batch.results(result.id)
    assert len(results.items) == 3


def test_item_idempotency_keys_find_the_earlier_runs(
    trigger_emulator: Emulator, trigger_client: trigger.Client
) -> None:
    items: list[Any] = [
        {"task": "keyed", "payload": {"n": n}, "options": {"idempotency_key": f"order-{n}"}}
        for n in range(3)
    ]
    first = trigger_client.batch.trigger(items)
    second = trigger_client.batch.trigger(items)
    assert first.id != second.id
    runs_first = _processed_runs(trigger_client, first.id)
    runs_second = _processed_runs(trigger_client, second.id)
    assert runs_first == runs_second


def _processed_runs(client: trigger.Client, batch_id: str) -> list[str]:
    deadline = time.monotonic() + 10
    batch = client.batch.retrieve(batch_id)
    while batch.processing_completed_at is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
        batch = client.batch.retrieve(batch_id)
    return list(batch.runs)


def test_a_repeated_batch_key_is_refused_and_the_sdk_keeps_its_runs(
    trigger_emulator: Emulator, trigger_client: trigger.Client, http: httpx.Client
) -> None:
    items: list[Any] = [{"task": "keyed", "payload": {"n": n}} for n in range(2)]
    first = trigger_client.batch.trigger(items, idempotency_key="nightly-2026-12-01")
    assert first.idempotency_key
    again = http.post(
        "/api/v3/batches", json={"runCount": 2, "idempotencyKey": first.idempotency_key}
    )
    assert again.status_code == 422
    assert again.json() == {
        "error": "Cannot create batch as it has already been created with the same idempotency key."
    }
    second = trigger_client.batch.trigger(items, idempotency_key="nightly-2026-12-01")
    assert second.id != first.id
    assert _processed_runs(trigger_client, second.id) == _processed_runs(trigger_client, first.id)


def test_an_item_the_trigger_refuses_becomes_a_pre_failed_run(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    batch_id = _create(http, 2)
    items = _lines(
        {"index": 0, "task": "t", "payload": {"ok": True}},
        {
            "index": 1,
            "task": "t",
            "payload": {"ok": False},
            "options": {"tags": list("abcdefghijk")},
        },
    )
    assert http.post(f"/api/v3/batches/{batch_id}/items", content=items, headers=NDJSON).json()[
        "sealed"
    ]
    batch = _wait_batch(http, batch_id, "COMPLETED")
    failed = http.get(f"/api/v3/runs/{batch['runs'][1]}").json()
    assert failed["status"] == "SYSTEM_FAILURE"
    assert failed["error"] == {
        "message": "trigger.dev internal error (BATCH_ITEM_COULD_NOT_TRIGGER)"
    }
    assert failed["payload"] == {"ok": False}
    assert failed["tags"] == []
    assert failed["batchId"] == batch_id
    assert (failed["isCompleted"], failed["isFailed"]) == (True, True)
    v1 = http.get(f"/api/v1/batches/{batch_id}").json()
    assert (v1["successfulRunCount"], v1["failedRunCount"]) == (2, 0)


# -- the lifecycle -----------------------------------------------------------------------


def test_lifecycle_pending_sealed_processed_then_completed() -> None:
    with (
        Emulator(unhandled="pending_version") as emulator,
        httpx.Client(base_url=emulator.url, headers=_headers(emulator.secret_key)) as http,
    ):
        batch_id = _create(http, 2, taskIdentifiers=["later"])
        created = http.get(f"/api/v2/batches/{batch_id}").json()
        assert created == {
            "id": batch_id,
            "status": "PENDING",
            "createdAt": created["createdAt"],
            "updatedAt": created["updatedAt"],
            "runCount": 2,
            "runs": [],
            "processing": {"errors": []},
        }
        partial = http.post(
            f"/api/v3/batches/{batch_id}/items",
            content=_lines({"index": 0, "task": "later"}),
            headers=NDJSON,
        )
        assert partial.json() == {
            "id": batch_id,
            "itemsAccepted": 1,
            "itemsDeduplicated": 0,
            "sealed": False,
            "enqueuedCount": 1,
            "expectedCount": 2,
            "runCount": 2,
        }
        assert http.get(f"/api/v1/batches/{batch_id}").json()["status"] == "PENDING"
        rest = http.post(
            f"/api/v3/batches/{batch_id}/items",
            content=_lines({"index": 0, "task": "later"}, {"index": 1, "task": "later"}),
            headers=NDJSON,
        )
        assert rest.json() == {
            "id": batch_id,
            "itemsAccepted": 1,
            "itemsDeduplicated": 1,
            "sealed": True,
            "runCount": 2,
        }
        # Processed: runs exist (parked, no handler yet), the batch waits for them.
        deadline = time.monotonic() + 10
        while (body := http.get(f"/api/v2/batches/{batch_id}").json())["status"] != "PENDING":
            assert body["status"] == "PROCESSING"
            assert time.monotonic() < deadline
        assert len(body["runs"]) == 2
        assert body["processingCompletedAt"] == body["processing"]["completedAt"]
        time.sleep(0.1)
        assert http.get(f"/api/v2/batches/{batch_id}").json()["status"] == "PENDING"
        again = http.post(
            f"/api/v3/batches/{batch_id}/items",
            content=_lines({"index": 0, "task": "later"}),
            headers=NDJSON,
        )
        assert again.json() == {
            "id": batch_id,
            "itemsAccepted": 0,
            "itemsDeduplicated": 0,
            "sealed": True,
            "runCount": 2,
        }
        emulator.register("later", lambda payload: "done")
        completed = _wait_batch(http, batch_id, "COMPLETED")
        assert completed["updatedAt"] >= body["updatedAt"]


def test_a_processed_batch_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "state.db")
    with (
        Emulator(db=db, seed=3) as emulator,
        httpx.Client(base_url=emulator.url, headers=_headers(emulator.secret_key)) as http,
    ):
        batch_id = _create(http, 3)
        items = _lines(*({"index": i, "task": "t", "payload": i} for i in range(3)))
        http.post(f"/api/v3/batches/{batch_id}/items", content=items, headers=NDJSON)
        before = _wait_batch(http, batch_id, "COMPLETED")
        key = emulator.secret_key
    with (
        Emulator(db=db) as emulator,
        httpx.Client(base_url=emulator.url, headers=_headers(key)) as http,
    ):
        after = http.get(f"/api/v2/batches/{batch_id}").json()
        assert after == before


def test_a_sealed_batch_left_unprocessed_is_processed_after_a_restart(tmp_path: Path) -> None:
    from trigger.emulator.engine.batches import BatchState
    from trigger.emulator.store_batches import BatchStore

    db = str(tmp_path / "state.db")
    with Emulator(db=db) as emulator:
        key, env_id = emulator.secret_key, emulator.environment_ids["dev"]
    # What a process killed right after sealing leaves behind: items, no runs yet.
    store = Store(db)
    batches = BatchStore(store)
    now = int(time.time() * 1000)
    sealed = BatchState(
        id="cpending", friendly_id="batch_cpending", env_id=env_id, kind="v3",
        status="PROCESSING", run_count=2, created_at=now, updated_at=now, sealed=True,
    )  # fmt: skip
    with store.transaction() as conn:
        batches.insert(conn, sealed)
        for index in range(2):
            batches.add_item(conn, sealed.id, index, json.dumps({"task": "t", "payload": index}))
    store.close()
    with (
        Emulator(db=db) as emulator,
        httpx.Client(base_url=emulator.url, headers=_headers(key)) as http,
    ):
        body = _wait_batch(http, "batch_cpending", "COMPLETED")
        payloads = [http.get(f"/api/v3/runs/{run}").json()["payload"] for run in body["runs"]]
        assert payloads == [0, 1]


def test_nested_store_transactions_are_savepoints() -> None:
    store = Store()
    try:
        _check_savepoints(store)
    finally:
        store.close()


def _check_savepoints(store: Store) -> None:
    def fail_inside(key: str) -> None:
        with store.transaction():
            store.set_meta(key, 2)  # nested: a savepoint
            raise RuntimeError("undo this part")

    with store.transaction() as conn:
        store.set_meta("outer", 1)
        with pytest.raises(RuntimeError):
            fail_inside("inner")
        assert conn.execute("SELECT COUNT(*) FROM meta").fetchone()[0] == 1
    assert (store.get_meta("outer"), store.get_meta("inner")) == (1, None)
    with pytest.raises(RuntimeError):
        fail_inside("alone")
    assert store.get_meta("alone") is None


# -- the item stream's refusals (bodies measured on the real server) ---------------------


def test_create_refusals(http: httpx.Client) -> None:
    cases = [
        ({"runCount": 0}, 400, 'Validation error: Number must be greater than 0 at "runCount"'),
        (
            {"runCount": 1.5},
            400,
            'Validation error: Expected integer, received float at "runCount"',
        ),
        ({}, 400, 'Validation error: Required at "runCount"'),
        (
            {"runCount": 1, "taskIdentifiers": []},
            400,
            'Validation error: Array must contain at least 1 element(s) at "taskIdentifiers"',
        ),
        ({"runCount": 1001}, 400, "Batch runCount of 1001 exceeds maximum allowed of 1000."),
    ]
    for body, status, error in cases:
        response = http.post("/api/v3/batches", json=body)
        assert (response.status_code, response.json()) == (status, {"error": error}), body
    assert http.post("/api/v3/batches").json() == {"error": "Request body is empty"}
    response = http.get("/api/v3/batches")
    assert (response.status_code, response.content) == (405, b"")


def test_create_answers_202_with_a_batch_token(
    trigger_emulator: Emulator, http: httpx.Client
) -> None:
    response = http.post("/api/v3/batches", json={"runCount": 2, "idempotencyKey": "k1"})
    body = response.json()
    assert response.status_code == 202
    assert body == {"id": body["id"], "runCount": 2, "isCached": False, "idempotencyKey": "k1"}
    claims = json.loads(response.headers["x-trigger-jwt-claims"])
    assert claims == {"sub": trigger_emulator.environment_ids["dev"], "pub": True}
    token = response.headers["x-trigger-jwt"]
    with httpx.Client(base_url=trigger_emulator.url, headers=_headers(token)) as public:
        assert public.get(f"/api/v2/batches/{body['id']}").status_code == 200
        other = _create(http, 1)
        assert public.get(f"/api/v2/batches/{other}").status_code == 403
        assert public.get("/api/v3/runs/run_x").status_code == 404


def test_stream_refusals(http: httpx.Client) -> None:
    batch_id = _create(http, 2)
    path = f"/api/v3/batches/{batch_id}/items"

    def post(content: bytes, headers: dict[str, str] = NDJSON, url: str = path) -> httpx.Response:
        return http.post(url, content=content, headers=headers)

    response = post(b"{}", {"content-type": "application/json"})
    assert (response.status_code, response.json()) == (
        415,
        {"error": "Content-Type must be application/x-ndjson or application/ndjson"},
    )
    response = http.get(path)
    assert (response.status_code, response.json()) == (
        405,
        {"error": "Method not allowed. Use POST to stream batch items."},
    )
    response = post(b'{"index":0,"task":"t"}\n{bad\n')
    assert (response.status_code, response.json()) == (
        400,
        {
            "error": "Invalid JSON at line 2: Expected property name or '}' in JSON at position 1 "
            "(line 1 column 2)"
        },
    )
    response = post(b'{"index":-1,"task":"t"}\n')
    assert response.status_code == 422
    assert response.json()["error"] == "Invalid item at index -1: " + json.dumps(
        [
            {
                "code": "too_small",
                "minimum": 0,
                "type": "number",
                "inclusive": True,
                "exact": False,
                "message": "Number must be greater than or equal to 0",
                "path": ["index"],
            }
        ],
        indent=2,
    )
    response = post(b'{"task":"x"}\n')
    assert response.json()["error"].startswith("Invalid item at unknown index: [\n  {\n")
    response = post(b'{"index":2,"task":"t"}\n')
    assert (response.status_code, response.json()) == (
        422,
        {"error": "Item index 2 exceeds batch runCount 2"},
    )
    # The valid first line of the bad-JSON request was kept, as on the server.
    response = post(b'{"index":0,"task":"t"}\n')
    assert response.json()["itemsDeduplicated"] == 1
    response = post(b"", url="/api/v3/batches/batch_nope/items")
    assert (response.status_code, response.json()) == (422, {"error": "Batch batch_nope not found"})
    response = post(b"", url="/api/v3/batches/nope/items")
    assert response.json() == {"error": "Invalid batchFriendlyId: nope"}


def test_reads_of_unknown_batches(http: httpx.Client, trigger_emulator: Emulator) -> None:
    for version in ("v1", "v2"):
        response = http.get(f"/api/{version}/batches/batch_nope")
        assert (response.status_code, response.json()) == (404, {"error": "Not found"})
        assert response.headers["x-should-retry"] == "true"
    response = http.get("/api/v1/batches/batch_nope/results")
    assert (response.status_code, response.json()) == (404, {"error": "Batch not found"})
    response = http.get(
        "/api/v1/batches/batch_nope/results", headers={"authorization": "Bearer nope"}
    )
    assert (response.status_code, response.json()) == (401, {"error": "Invalid or Missing API Key"})
    response = http.post("/api/v1/batches/batch_nope")
    assert (response.status_code, response.json()) == (405, {"message": "Unexpected Server Error"})


def test_item_streams_with_public_tokens(trigger_emulator: Emulator, http: httpx.Client) -> None:
    browser = http.post(
        "/api/v3/batches", json={"runCount": 1}, headers={"x-trigger-client": "browser"}
    )
    batch_id = browser.json()["id"]
    path = f"/api/v3/batches/{batch_id}/items"
    token = browser.headers["x-trigger-jwt"]  # read:batch and write:batch of this batch
    with httpx.Client(base_url=trigger_emulator.url, headers=_headers(token)) as public:
        response = public.post(path, content=_lines({"index": 0, "task": "any"}), headers=NDJSON)
        assert response.json()["sealed"] is True
    with trigger_emulator.client() as client:
        scoped = client.auth.create_public_token(scopes=["batchTrigger:tasks:allowed"])
    other = _create(http, 1)
    path = f"/api/v3/batches/{other}/items"
    with httpx.Client(base_url=trigger_emulator.url, headers=_headers(scoped)) as public:
        for content in (b"", _lines({"index": 0, "task": "denied"})):
            response = public.post(path, content=content, headers=NDJSON)
            assert (response.status_code, response.json()) == (403, {"error": "Unauthorized"})
        # The first item is authorized before the batch is looked at.
        response = public.post(
            "/api/v3/batches/batch_nope/items", content=b"{bad\n", headers=NDJSON
        )
        assert response.status_code == 400
        response = public.post(
            path, content=_lines({"index": 0, "task": "allowed"}), headers=NDJSON
        )
        assert response.json()["sealed"] is True


# -- one-shot endpoints ------------------------------------------------------------------


def test_v1_batch_answers_each_run_and_keeps_its_batch_key(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    body = {
        "items": [
            {"task": "a", "payload": {"n": 1}, "options": {"delay": "1h"}},
            {"task": "b", "payload": {"n": 2}, "options": {"delay": "1h", "idempotencyKey": "k-1"}},
        ]
    }
    response = http.post("/api/v1/tasks/batch", json=body, headers={"idempotency-key": "batch-1"})
    assert response.status_code == 202
    first = response.json()
    run_a, run_b = (run["id"] for run in first["runs"])
    assert first == {
        "id": first["id"],
        "isCached": False,
        "idempotencyKey": "batch-1",
        "runs": [
            {"id": run_a, "isCached": False, "taskIdentifier": "a"},
            {"id": run_b, "isCached": False, "idempotencyKey": "k-1", "taskIdentifier": "b"},
        ],
    }
    again = http.post("/api/v1/tasks/batch", json=body, headers={"idempotency-key": "batch-1"})
    assert again.json() == {
        "id": first["id"],
        "idempotencyKey": "batch-1",
        "isCached": True,
        "runs": [
            {"id": run_a, "taskIdentifier": "a", "isCached": True},
            {"id": run_b, "taskIdentifier": "b", "isCached": True, "idempotencyKey": "k-1"},
        ],
    }
    other = http.post("/api/v1/tasks/batch", json=body).json()
    assert other["runs"][1] == {
        "id": run_b,
        "isCached": True,
        "idempotencyKey": "k-1",
        "taskIdentifier": "b",
    }
    # Results: only the canceled runs this batch created itself.
    assert http.get(f"/api/v1/batches/{first['id']}/results").json() == {
        "id": first["id"],
        "items": [],
    }
    trigger_client.runs.cancel(run_a)
    results = http.get(f"/api/v1/batches/{first['id']}/results").json()
    assert results["items"] == [
        {
            "ok": False,
            "id": run_a,
            "taskIdentifier": "a",
            "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"},
        }
    ]
    assert http.get(f"/api/v1/batches/{other['id']}/results").json()["items"] == []
    assert http.get(f"/api/v1/batches/{first['id']}").json()["status"] == "PENDING"


def test_v2_batch_completes_when_its_runs_finish(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    result = trigger_client.batch.trigger_v2([{"task": "fast", "payload": n} for n in range(3)])
    assert result.run_count == 3
    raw = http.post("/api/v2/tasks/batch", json={"items": [{"task": "fast"}]})
    assert raw.status_code == 202
    assert raw.json() == {"id": raw.json()["id"], "isCached": False, "runCount": 1}
    body = _wait_batch(http, result.id, "COMPLETED")
    assert len(body["runs"]) == 3
    assert "processingCompletedAt" not in body


def test_v2_batch_lists_no_results_even_for_canceled_runs(
    trigger_client: trigger.Client, http: httpx.Client
) -> None:
    # Measured on the real server: v2 and v3 batches answer an empty list; only v1 lists
    # the canceled runs it created.
    created = http.post(
        "/api/v2/tasks/batch", json={"items": [{"task": "later", "options": {"delay": "1h"}}]}
    ).json()
    run_id = http.get(f"/api/v1/batches/{created['id']}").json()["runs"][0]
    trigger_client.runs.cancel(run_id)
    assert trigger_client.runs.retrieve(run_id).status == "CANCELED"
    assert http.get(f"/api/v1/batches/{created['id']}/results").json() == {
        "id": created["id"],
        "items": [],
    }


def test_v1_batch_through_the_sdk(trigger_client: trigger.Client) -> None:
    result = trigger_client.batch.trigger_v1(
        [{"task": "one", "payload": 1}, {"task": "two", "payload": 2}]
    )
    assert [(run.task_identifier, run.is_cached) for run in result.runs] == [
        ("one", False),
        ("two", False),
    ]
    assert result.public_access_token
    batch = trigger_client.batch.retrieve(result.id)
    assert batch.runs == [run.id for run in result.runs]
    assert trigger_client.runs.retrieve(result.runs[1].id).payload == 2


def test_one_shot_refusals(trigger_emulator: Emulator, http: httpx.Client) -> None:
    unauthorized = {
        "error": "Unauthorized",
        "code": "unauthorized",
        "param": "access_token",
        "type": "authorization",
    }
    for path in ("/api/v1/tasks/batch", "/api/v2/tasks/batch"):
        response = http.post(path, json={"items": []})
        assert (response.status_code, response.json()) == (403, unauthorized), path
        response = http.post(path, json={"items": [{"task": "t"}] * 501})
        assert response.json() == {
            "error": "Batch size of 501 is too large. Maximum allowed batch size is 500."
        }
        response = http.post(path, json={"items": [{"payload": 1}]})
        assert response.json() == {"error": 'Validation error: Required at "items[0].task"'}
    response = http.post(
        "/api/v1/tasks/batch", json={"items": []}, headers={"batch-processing-strategy": "x"}
    )
    assert response.json()["error"] == "Headers Error"


def test_task_batch_v1(trigger_client: trigger.Client, http: httpx.Client) -> None:
    result = trigger_client.batch.trigger_task_v1("one-task", [{"payload": 1}, {"payload": 2}])
    assert len(result.runs) == 2
    assert result.public_access_token
    run = trigger_client.runs.retrieve(result.runs[0])
    assert (run.task_identifier, run.batch_id) == ("one-task", result.batch_id)
    path = "/api/v1/tasks/one-task/batch"
    assert http.post(path, json={"items": []}).json() == {"error": "No items to trigger"}
    response = http.post(path, json={"items": [{}] * 101})
    assert response.json() == {"error": "Too many items. Maximum allowed batch size is 100."}
    response = http.put(path, json={"items": []})
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})
    assert response.headers["allow"] == "POST"
    response = http.get(path)
    assert (response.status_code, response.json()) == (400, {"message": "Unexpected Server Error"})


# -- pure parts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Node's own words (node 20 prints the same without the line and column).
        ("bad", "Unexpected token 'b', \"bad\" is not valid JSON"),
        ("{bad", "Expected property name or '}' in JSON at position 1 (line 1 column 2)"),
        (
            '{"a":1,}',
            "Expected double-quoted property name in JSON at position 7 (line 1 column 8)",
        ),
        ("[1,]", "Unexpected token ']', \"[1,]\" is not valid JSON"),
        (
            '{"a":1',
            "Expected ',' or '}' after property value in JSON at position 6 (line 1 column 7)",
        ),
        ('"abc', "Unterminated string in JSON at position 4 (line 1 column 5)"),
        ('{"a" 1}', "Expected ':' after property name in JSON at position 5 (line 1 column 6)"),
        ('{"a":1,"b"}', 'Unexpected token \'}\', "{"a":1,"b"}" is not valid JSON'),
        ("1 2", "Unexpected non-whitespace character after JSON at position 2 (line 1 column 3)"),
        ("tru", "Unexpected end of JSON input"),
        ("01", "Unexpected number in JSON at position 1 (line 1 column 2)"),
        (
            '[1,"a" "b"]',
            "Expected ',' or ']' after array element in JSON at position 7 (line 1 column 8)",
        ),
        ('"\\u12"', "Bad Unicode escape in JSON at position 5 (line 1 column 6)"),
        (
            '{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": xyzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz}',
            'Unexpected token \'x\', ..."aaaaaaa": xyzzzzzzzz"... is not valid JSON',
        ),
        ('{"a": 1}', ""),
    ],
)
def test_json_parse_error_messages_are_v8s(text: str, message: str) -> None:
    from trigger.emulator.v8_json import json_parse_error

    assert json_parse_error(text) == message


def test_batch_engine_lifecycle() -> None:
    from trigger.emulator.engine import batches as engine
    from trigger.emulator.engine.batches import BatchError, BatchState

    batch = BatchState(
        id="b", friendly_id="batch_b", env_id="e", kind="v3", status="PENDING",
        run_count=2, created_at=1, updated_at=1,
    )  # fmt: skip
    assert not engine.is_sealed_retry(batch) and not engine.awaits_runs(batch)
    sealed = engine.seal(batch, 5)
    assert (sealed.status, sealed.sealed, sealed.sealed_at, sealed.updated_at) == (
        "PROCESSING",
        True,
        5,
        5,
    )
    assert engine.is_sealed_retry(sealed)
    done = engine.processed(sealed, 7, ("run_a", "run_b"))
    assert (done.status, done.processing_completed_at, done.successful_run_count) == (
        "PENDING",
        7,
        2,
    )
    assert engine.awaits_runs(done)
    completed = engine.complete(done, 9)
    assert (completed.status, completed.completed_at) == ("COMPLETED", 9)
    assert engine.complete(completed, 10) is completed
    error = BatchError(index=1, task_identifier="t", error="boom")
    partial = engine.processed(sealed, 7, ("run_a",), (error,))
    assert (partial.status, partial.failed_run_count) == ("PARTIAL_FAILED", 1)
    aborted = engine.processed(sealed, 7, (), (error, error))
    assert (aborted.status, aborted.completed_at) == ("ABORTED", 7)
    assert not engine.awaits_runs(aborted)
    one_shot = msgspec.structs.replace(batch, kind="v1", sealed=True)
    assert engine.is_sealed_retry(one_shot) and not engine.awaits_runs(one_shot)


def test_an_aborted_field_skips_the_bodys_refinement(http: httpx.Client) -> None:
    # Measured on the real server: zod skips a refinement once a field is invalid (aborted),
    # but runs it when a check only failed (dirty).
    aborted = {"payload": "", "options": {"payloadType": "application/store", "machine": "huge"}}
    response = http.post("/api/v1/tasks/t/trigger", json=aborted)
    assert response.json() == {
        "error": "Validation error: Invalid enum value. Expected 'micro' | 'small-1x' | "
        "'small-2x' | 'medium-1x' | 'medium-2x' | 'large-1x' | 'large-2x', received 'huge' "
        'at "options.machine"'
    }
    dirty = {"payload": "", "options": {"payloadType": "application/store", "tags": ["x" * 129]}}
    response = http.post("/api/v1/tasks/t/trigger", json=dirty)
    assert response.json() == {
        "error": 'Validation error: Tags must be less than 128 characters at "options.tags[0]"; '
        "payload must be a non-empty string when options.payloadType is application/store at "
        '"payload"'
    }
