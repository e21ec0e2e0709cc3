"""The batches API on the wire: two-phase trigger, NDJSON item streams, one-shot batches."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import msgspec
import pytest
from pytest_httpx import HTTPXMock

import trigger
from tests.conftest import BASE_URL, SECRET_KEY
from tests.fixtures import RETRIEVED_RUN
from trigger._batch_errors import BatchNotSealedError, BatchTriggerError
from trigger._wire import batch as batch_wire
from trigger.types.batch import BatchTriggerResult

pytestmark = pytest.mark.anyio

CREATE_URL = f"{BASE_URL}/api/v3/batches"
ITEMS_URL = f"{BASE_URL}/api/v3/batches/batch_1/items"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJwdWIiOnRydWV9.c2ln"
SEALED = {"id": "batch_1", "itemsAccepted": 2, "itemsDeduplicated": 0, "sealed": True}
UNSEALED = {
    "id": "batch_1",
    "itemsAccepted": 1,
    "itemsDeduplicated": 1,
    "sealed": False,
    "enqueuedCount": 1,
    "expectedCount": 2,
}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def created(**fields: object) -> dict[str, object]:
    return {"id": "batch_1", "runCount": 2, "isCached": False, **fields}


def mock_create(httpx_mock: HTTPXMock, **fields: object) -> None:
    httpx_mock.add_response(
        method="POST",
        url=CREATE_URL,
        status_code=202,
        json=created(**fields),
        headers={"x-trigger-jwt": JWT},
    )


def lines(request: httpx.Request) -> list[dict[str, Any]]:
    body = request.content
    assert body.endswith(b"\n"), "every line ends with a newline"
    return [msgspec.json.decode(line) for line in body.split(b"\n")[:-1]]


def requests_to(httpx_mock: HTTPXMock, url: str) -> list[httpx.Request]:
    return [r for r in httpx_mock.get_requests() if str(r.url) == url]


TWO_ITEMS: list[batch_wire.BatchItem] = [
    {"task": "send-email", "payload": {"to": "a@example.com"}},
    {"task": "resize", "payload": [1, 2], "options": {"queue": "images", "tags": ["x"]}},
]


async def test_trigger_creates_the_batch_then_streams_its_items(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    mock_create(httpx_mock, idempotencyKey=sha("order-42"))
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    items: list[batch_wire.BatchItem] = [
        *TWO_ITEMS,
        {"task": "send-email", "options": {"idempotency_key": "mine", "max_attempts": 2}},
    ]
    result = await client.batch.trigger(items, idempotency_key="order-42", idempotency_key_ttl="1h")

    create, stream = httpx_mock.get_requests()
    assert create.method == "POST" and create.url == CREATE_URL
    assert msgspec.json.decode(create.content) == {
        "runCount": 3,
        "taskIdentifiers": ["resize", "send-email"],
        "idempotencyKey": sha("order-42"),
        "idempotencyKeyOptions": {"key": "order-42", "scope": "run"},
    }
    assert create.headers["content-type"] == "application/json"
    assert create.headers["x-trigger-request-idempotency-key"]

    assert stream.method == "POST" and stream.url == ITEMS_URL
    assert stream.headers["content-type"] == "application/x-ndjson"
    assert "x-trigger-request-idempotency-key" not in stream.headers
    assert lines(stream) == [
        {
            "index": 0,
            "task": "send-email",
            "payload": {"to": "a@example.com"},
            "options": {
                "idempotencyKey": sha("order-42-0"),
                "idempotencyKeyTTL": "1h",
                "payloadType": "application/json",
                "payloadSize": len(b'{"to":"a@example.com"}'),
            },
        },
        {
            "index": 1,
            "task": "resize",
            "payload": [1, 2],
            "options": {
                "queue": {"name": "images"},
                "tags": ["x"],
                "idempotencyKey": sha("order-42-1"),
                "idempotencyKeyTTL": "1h",
                "payloadType": "application/json",
                "payloadSize": 5,
            },
        },
        {
            "index": 2,
            "task": "send-email",
            "options": {
                "idempotencyKey": sha("mine"),
                "idempotencyKeyOptions": {"key": "mine", "scope": "run"},
                "idempotencyKeyTTL": "1h",
                "maxAttempts": 2,
                "payloadType": "application/json",
                "payloadSize": 0,
            },
        },
    ]
    assert result == BatchTriggerResult(
        id="batch_1",
        run_count=2,
        is_cached=False,
        idempotency_key=sha("order-42"),
        public_access_token=JWT,
    )


async def test_key_parts_and_prehashed_keys(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    await client.batch.trigger(TWO_ITEMS, idempotency_key=["order", "42"])
    create, stream = httpx_mock.get_requests()
    assert msgspec.json.decode(create.content)["idempotencyKey"] == sha("order-42")
    # Item keys derive from the key as the official SDK writes a list key (JavaScript's
    # array-to-string), so a batch made in TypeScript with the same key dedupes with this one.
    assert [line["options"]["idempotencyKey"] for line in lines(stream)] == [
        sha("order,42-0"),
        sha("order,42-1"),
    ]
    assert all("idempotencyKeyTTL" not in line["options"] for line in lines(stream))


async def test_a_prehashed_key_is_sent_unchanged(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    prehashed = sha("elsewhere")
    await client.batch.trigger(TWO_ITEMS, idempotency_key=prehashed)
    create, stream = httpx_mock.get_requests()
    assert msgspec.json.decode(create.content) == {
        "runCount": 2,
        "taskIdentifiers": ["resize", "send-email"],
        "idempotencyKey": prehashed,
    }
    assert lines(stream)[1]["options"]["idempotencyKey"] == sha(f"{prehashed}-1")


async def test_without_a_key_items_carry_none(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    result = await client.batch.trigger_by_task(TWO_ITEMS)
    create, stream = httpx_mock.get_requests()
    assert msgspec.json.decode(create.content) == {
        "runCount": 2,
        "taskIdentifiers": ["resize", "send-email"],
    }
    assert [sorted(line["options"]) for line in lines(stream)] == [
        ["payloadSize", "payloadType"],
        ["payloadSize", "payloadType", "queue", "tags"],
    ]
    assert result.idempotency_key is None and result.public_access_token == JWT


async def test_a_cached_batch_is_not_streamed(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    mock_create(httpx_mock, isCached=True, idempotencyKey=sha("k"))
    result = await client.batch.trigger(TWO_ITEMS, idempotency_key="k")
    assert len(httpx_mock.get_requests()) == 1
    assert result.is_cached and result.id == "batch_1"


async def test_the_stream_is_resent_whole_until_sealed(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=UNSEALED)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, status_code=503, json={"error": "busy"})
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    result = await client.batch.trigger(TWO_ITEMS)
    assert result.id == "batch_1"
    attempts = requests_to(httpx_mock, ITEMS_URL)
    assert len(attempts) == 3
    assert attempts[0].content == attempts[1].content == attempts[2].content
    assert [line["index"] for line in lines(attempts[2])] == [0, 1]
    # The stream's own policy (factor 2, 1 s, jittered), not the client's single attempt.
    assert len(sleeps) == 2
    assert 1 <= sleeps[0] < 2 and 2 <= sleeps[1] < 4


async def test_a_batch_never_sealed_raises_batch_not_sealed(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=UNSEALED, is_reusable=True)
    with pytest.raises(BatchTriggerError) as caught:
        await client.batch.trigger(TWO_ITEMS)
    error = caught.value
    assert error.phase == "stream" and error.batch_id == "batch_1" and error.item_count == 2
    assert isinstance(error, trigger.TriggerError)
    cause = error.__cause__
    assert isinstance(cause, BatchNotSealedError) and isinstance(cause, trigger.TriggerError)
    assert (cause.batch_id, cause.enqueued_count, cause.expected_count) == ("batch_1", 1, 2)
    assert (cause.items_accepted, cause.items_deduplicated) == (1, 1)
    assert "not sealed" in str(error)
    assert len(requests_to(httpx_mock, ITEMS_URL)) == 5
    assert len(sleeps) == 4


async def test_stream_items_raises_batch_not_sealed_itself(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=UNSEALED, is_reusable=True)
    with pytest.raises(BatchNotSealedError):
        await client.batch.stream_items("batch_1", TWO_ITEMS, request_options={"max_attempts": 2})
    assert len(requests_to(httpx_mock, ITEMS_URL)) == 2
    assert len(sleeps) == 1


async def test_a_rate_limited_stream_waits_as_retry_after_says(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, sleeps: list[float]
) -> None:
    httpx_mock.add_response(
        method="POST", url=ITEMS_URL, status_code=429, headers={"retry-after": "7"}, json={}
    )
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    result = await client.batch.stream_items("batch_1", TWO_ITEMS)
    assert result.sealed and result.items_accepted == 2
    assert sleeps == [7.0]


async def test_create_failures_are_wrapped_with_their_phase(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=CREATE_URL,
        status_code=400,
        json={"error": "Batch runCount of 2000 exceeds maximum allowed of 1000."},
    )
    with pytest.raises(BatchTriggerError) as caught:
        await client.batch.trigger(TWO_ITEMS)
    error = caught.value
    assert (error.phase, error.batch_id, error.item_count) == ("create", None, 2)
    assert isinstance(error.__cause__, trigger.BadRequestError)
    assert error.api_error is error.__cause__ and not error.is_rate_limited
    assert "exceeds maximum allowed of 1000" in str(error)
    assert len(httpx_mock.get_requests()) == 1


async def test_stream_errors_carry_the_batch_id(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    mock_create(httpx_mock)
    httpx_mock.add_response(
        method="POST", url=ITEMS_URL, status_code=422, json={"error": "Invalid item 1"}
    )
    with pytest.raises(BatchTriggerError) as caught:
        await client.batch.trigger(TWO_ITEMS)
    assert (caught.value.phase, caught.value.batch_id) == ("stream", "batch_1")
    assert isinstance(caught.value.__cause__, trigger.UnprocessableEntityError)


LARGE = {"blob": "x" * (130 * 1024)}
PACKET_URL = "https://storage.example.com/upload?sig=secret"


async def test_large_payloads_are_offloaded_before_the_batch_is_created(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="PUT",
        url=re.compile(r".*/api/v2/packets/.*"),
        json={"presignedUrl": PACKET_URL, "storagePath": "packets/resize/payload-1.json"},
    )
    httpx_mock.add_response(method="PUT", url=PACKET_URL)
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    items: list[batch_wire.BatchItem] = [
        {"task": "send-email"},
        {"task": "resize", "payload": LARGE},
    ]
    await client.batch.trigger(items)
    upload_url, upload, create, stream = httpx_mock.get_requests()
    assert upload_url.url.raw_path.startswith(b"/api/v2/packets/resize%2Fpayload-")
    assert upload.content == msgspec.json.encode(LARGE)
    assert create.url == CREATE_URL
    second = lines(stream)[1]
    assert second["payload"] == "packets/resize/payload-1.json"
    assert second["options"] == {
        "payloadType": "application/store",
        "payloadSize": len(msgspec.json.encode(LARGE)),
    }


async def test_offload_failures_are_wrapped_with_their_phase(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="PUT", status_code=403, json={"error": "no"})
    with pytest.raises(BatchTriggerError) as caught:
        await client.batch.trigger([{"task": "resize", "payload": LARGE}])
    assert (caught.value.phase, caught.value.batch_id, caught.value.item_count) == (
        "offload",
        None,
        1,
    )
    assert isinstance(caught.value.__cause__, trigger.PermissionDeniedError)
    assert len(httpx_mock.get_requests()) == 1


async def test_a_large_batch_is_streamed_in_chunks(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunks: list[bytes] = []
    real_chunks = batch_wire.ndjson_chunks

    def spy(items: Iterator[dict[str, Any]], chunk_size: int = batch_wire.CHUNK_SIZE) -> Any:
        for chunk in real_chunks(items, chunk_size):
            chunks.append(chunk)
            yield chunk

    monkeypatch.setattr(batch_wire, "ndjson_chunks", spy)
    count = 10_000
    mock_create(httpx_mock, runCount=count)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json={**SEALED, "itemsAccepted": count})
    items: list[batch_wire.BatchItem] = [
        {"task": "t", "payload": {"n": n, "pad": "p" * 20}} for n in range(count)
    ]
    await client.batch.trigger(items, idempotency_key="big")
    stream = requests_to(httpx_mock, ITEMS_URL)[0]
    assert stream.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in stream.headers
    assert len(chunks) > 1
    assert all(len(chunk) < batch_wire.CHUNK_SIZE + 1024 for chunk in chunks)
    assert b"".join(chunks) == stream.content
    sent = lines(stream)
    assert [line["index"] for line in sent] == list(range(count))
    assert sent[-1]["options"]["idempotencyKey"] == sha(f"big-{count - 1}")


async def test_create_alone(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    mock_create(httpx_mock, runCount=3)
    batch = await client.batch.create(
        3,
        task_identifiers=["b", "a", "b"],
        parent_run_id="run_parent",
        resume_parent_on_completion=True,
        idempotency_key="k",
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert msgspec.json.decode(request.content) == {
        "runCount": 3,
        "taskIdentifiers": ["a", "b"],
        "parentRunId": "run_parent",
        "resumeParentOnCompletion": True,
        "idempotencyKey": sha("k"),
        "idempotencyKeyOptions": {"key": "k", "scope": "run"},
    }
    assert (batch.id, batch.run_count, batch.is_cached) == ("batch_1", 3, False)
    assert batch.public_access_token == JWT


async def test_create_raw_response(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    mock_create(httpx_mock)
    response = await client.batch.with_raw_response.create(2)
    assert response.status_code == 202
    assert response.headers["x-trigger-jwt"] == JWT
    assert response.parse().public_access_token == JWT


async def test_stream_items_with_explicit_indexes(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    items: list[batch_wire.IndexedBatchItem] = [
        {"index": 5, "task": "a", "payload": "hi"},
        {"index": 2, "task": "b"},
    ]
    result = await client.batch.stream_items("batch_1", items, idempotency_key="k")
    request = httpx_mock.get_request()
    assert request is not None
    assert [(line["index"], line["task"]) for line in lines(request)] == [(5, "a"), (2, "b")]
    assert lines(request)[0]["payload"] == "hi"
    assert lines(request)[1]["options"]["idempotencyKey"] == sha("k-2")
    assert result.sealed


async def test_stream_items_raw_response(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    response = await client.batch.with_raw_response.stream_items("batch_1", TWO_ITEMS)
    assert response.status_code == 200
    assert response.parse().items_accepted == 2


async def test_retrieve_uses_v2(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE_URL}/api/v2/batches/batch_1",
        json={
            "id": "batch_1",
            "status": "PARTIAL_FAILED",
            "idempotencyKey": None,
            "createdAt": "2024-05-23T12:00:00.000Z",
            "updatedAt": "2024-05-23T12:00:05.000Z",
            "runCount": 2,
            "runs": ["run_1"],
            "processingCompletedAt": "2024-05-23T12:00:05.000Z",
            "processing": {
                "completedAt": "2024-05-23T12:00:05.000Z",
                "errors": [{"index": 1, "taskIdentifier": "resize", "error": "Task not found"}],
            },
        },
    )
    batch = await client.batch.retrieve("batch_1")
    assert batch.status == "PARTIAL_FAILED" and batch.runs == ["run_1"]
    assert batch.processing is not None
    error = batch.processing.errors[0]
    assert (error.index, error.task_identifier, error.error) == (1, "resize", "Task not found")


V1_BATCH: dict[str, Any] = {
    "id": "batch_1",
    "status": "COMPLETED",
    "createdAt": "2024-05-23T12:00:00.000Z",
    "updatedAt": "2024-05-23T12:00:05.000Z",
    "runCount": 2,
    "runs": [],
}


async def test_retrieve_v1_and_results(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE_URL}/api/v1/batches/batch_1",
        json={
            "id": "batch_1",
            "status": "COMPLETED",
            "createdAt": "2024-05-23T12:00:00.000Z",
            "updatedAt": "2024-05-23T12:00:05.000Z",
            "runCount": 1,
            "runs": ["run_1"],
            "successfulRunCount": 1,
            "failedRunCount": 0,
            "errors": None,
        },
        is_reusable=True,  # batch.results retrieves it too
    )
    httpx_mock.add_response(
        method="GET",
        url=f"{BASE_URL}/api/v1/batches/batch_1/results",
        json={
            "id": "batch_1",
            "items": [
                {"ok": True, "id": "run_1", "output": '{"a":1}', "outputType": "application/json"}
            ],
        },
    )
    batch = await client.batch.retrieve_v1("batch_1")
    assert batch.successful_run_count == 1 and batch.errors is None
    results = await client.batch.results("batch_1")
    assert results.items[0].json_output() == {"a": 1}


async def test_results_of_a_batch_the_server_gives_none_for_come_from_its_runs(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # Measured: the results endpoint answers no items even for a completed batch.
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/batches/batch_1/results",
        json={"id": "batch_1", "items": []},
        is_reusable=True,
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/batches/batch_1",
        json={
            "id": "batch_1",
            "status": "COMPLETED",
            "createdAt": "2024-05-23T12:00:00.000Z",
            "updatedAt": "2024-05-23T12:00:05.000Z",
            "runCount": 2,
            "runs": ["run_1", "run_2"],
        },
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_1",
        json={**RETRIEVED_RUN, "id": "run_1", "output": {"a": 1}},
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_2", status_code=404, json={"error": "Not found"}
    )
    results = await client.batch.results("batch_1")
    assert results.id == "batch_1"
    assert [(item.id, item.json_output()) for item in results.items] == [("run_1", {"a": 1})]
    raw = await client.batch.with_raw_response.results("batch_1")
    assert raw.parse().items == []


async def test_results_the_server_leaves_out_are_built_in_the_batchs_order(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # Measured on the real server: a v1 batch's results list only its canceled runs.
    canceled = {
        "ok": False,
        "id": "run_1",
        "error": {"type": "INTERNAL_ERROR", "code": "TASK_RUN_CANCELLED"},
    }
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/batches/batch_1/results",
        json={"id": "batch_1", "items": [canceled]},
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v1/batches/batch_1", json={**V1_BATCH, "runs": ["run_0", "run_1"]}
    )
    httpx_mock.add_response(
        url=f"{BASE_URL}/api/v3/runs/run_0",
        json={**RETRIEVED_RUN, "id": "run_0", "output": {"a": 0}},
    )
    results = await client.batch.results("batch_1")
    assert [(item.id, item.ok) for item in results.items] == [("run_0", True), ("run_1", False)]
    assert results.items[0].json_output() == {"a": 0}


@pytest.mark.parametrize("batch_id", ["../x", "a/b", "b?x=1"])
async def test_batch_ids_are_one_encoded_segment(
    batch_id: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        json={"id": "b", "items": [{"ok": True, "id": "run_1", "outputType": "application/json"}]}
    )
    httpx_mock.add_response(json={**V1_BATCH, "runs": ["run_1"]})
    await client.batch.results(batch_id)
    request = httpx_mock.get_requests()[0]
    assert request.url.raw_path.count(b"/") == 5
    assert request.url.raw_path.endswith(b"/results")


async def test_trigger_v1(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/tasks/batch",
        status_code=202,
        json={
            "id": "batch_1",
            "isCached": False,
            "runs": [
                {"id": "run_1", "taskIdentifier": "send-email", "isCached": False},
                {"id": "run_2", "taskIdentifier": "resize", "isCached": True},
            ],
        },
    )
    result = await client.batch.trigger_v1(
        TWO_ITEMS, parent_run_id="run_p", processing_strategy="sequential"
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["batch-processing-strategy"] == "sequential"
    assert msgspec.json.decode(request.content) == {
        "items": [
            {
                "task": "send-email",
                "payload": {"to": "a@example.com"},
                "options": {"payloadType": "application/json", "payloadSize": 22},
            },
            {
                "task": "resize",
                "payload": [1, 2],
                "options": {
                    "queue": {"name": "images"},
                    "tags": ["x"],
                    "payloadType": "application/json",
                    "payloadSize": 5,
                },
            },
        ],
        "parentRunId": "run_p",
    }
    assert [run.id for run in result.runs] == ["run_1", "run_2"]
    assert result.runs[1].is_cached


async def test_trigger_v2(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v2/tasks/batch",
        status_code=202,
        json={"id": "batch_1", "runCount": 2},
        headers={"x-trigger-jwt": JWT},
    )
    result = await client.batch.trigger_v2(
        TWO_ITEMS, resume_parent_on_completion=False, request_options={"idempotency_key": "rq"}
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["x-trigger-request-idempotency-key"] == "rq"
    assert "batch-processing-strategy" not in request.headers
    assert msgspec.json.decode(request.content)["resumeParentOnCompletion"] is False
    assert (result.id, result.run_count, result.public_access_token) == ("batch_1", 2, JWT)


async def test_trigger_task_v1(client: trigger.AsyncClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"{BASE_URL}/api/v1/tasks/my%2Ftask/batch",
        json={"batchId": "batch_1", "runs": ["run_1", "run_2"]},
        headers={"x-trigger-jwt": JWT},
    )
    result = await client.batch.trigger_task_v1(
        "my/task", [{"payload": 1}, {"options": {"delay": "1h", "idempotency_key": "k"}}]
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert msgspec.json.decode(request.content) == {
        "items": [
            {"payload": 1, "options": {"payloadType": "application/json", "payloadSize": 1}},
            {
                "options": {
                    "idempotencyKey": sha("k"),
                    "idempotencyKeyOptions": {"key": "k", "scope": "run"},
                    "delay": "1h",
                    "payloadType": "application/json",
                    "payloadSize": 0,
                }
            },
        ]
    }
    assert (result.batch_id, result.runs, result.public_access_token) == (
        "batch_1",
        ["run_1", "run_2"],
        JWT,
    )


async def test_trigger_task_v1_refuses_more_than_100_items(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(ValueError, match="at most 100"):
        await client.batch.trigger_task_v1("t", [{"payload": n} for n in range(101)])
    assert httpx_mock.get_requests() == []


def _generator() -> Iterator[batch_wire.BatchItem]:
    yield {"task": "t"}


@pytest.mark.parametrize(
    ("items", "kwargs", "message"),
    [
        ([], {}, "cannot be empty"),
        (_generator(), {}, "must be a sequence"),
        ("abc", {}, "must be a sequence"),
        ([{"task": "t"}, "x"], {}, r"items\[1\] must be a mapping"),
        ([{"payload": 1}], {}, r"items\[0\]\['task'\]"),
        ([{"task": " "}], {}, r"items\[0\]\['task'\]"),
        ([{"task": "t", "id": "x"}], {}, "unknown keys"),
        ([{"task": "t", "index": 0}], {}, "unknown keys"),
        ([{"task": "t", "options": {"bogus": 1}}], {}, "not a trigger option"),
        ([{"task": "t", "options": {"queue": {"name": "q", "concurrency_limit": 2}}}], {}, "batch"),
        ([{"task": "t", "payload": b"raw"}], {}, r"items\[0\]\['payload'\]"),
        ([{"task": "t"}], {"idempotency_key": []}, "at least one part"),
        ([{"task": "t"}], {"idempotency_key": 5}, "idempotency_key"),
        ([{"task": "t"}], {"idempotency_key": "k", "idempotency_key_ttl": "soon"}, "duration"),
        ([{"task": "t"}], {"idempotency_key": "k", "idempotency_key_ttl": "1h30m"}, "key_ttl"),
        ([{"task": "t"}], {"idempotency_key": "k", "idempotency_key_ttl": "2w"}, "key_ttl"),
        (
            [{"task": "t", "options": {"idempotency_key": "k", "idempotency_key_ttl": "1d12h"}}],
            {},
            r"items\[0\]\['options'\]\['idempotency_key_ttl'\]",
        ),
    ],
)
async def test_trigger_rejects_bad_input_before_sending(
    items: Any,
    kwargs: dict[str, Any],
    message: str,
    client: trigger.AsyncClient,
    httpx_mock: HTTPXMock,
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        await client.batch.trigger(items, **kwargs)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.batch.create(0), "run_count"),
        (lambda c: c.batch.create(True), "run_count"),
        (lambda c: c.batch.create(1, task_identifiers=[]), "at least one task"),
        (lambda c: c.batch.create(1, resume_parent_on_completion="yes"), "resume_parent"),
        (lambda c: c.batch.stream_items("", [{"task": "t"}]), "batch_id"),
        (lambda c: c.batch.stream_items("b", [{"task": "t", "index": -1}]), "index"),
        (
            lambda c: c.batch.stream_items("b", [{"task": "t"}, {"task": "t", "index": 0}]),
            "repeats index 0",
        ),
        (lambda c: c.batch.trigger_v2([{"task": "t"}], processing_strategy="fast"), "parallel"),
        (lambda c: c.batch.trigger_v1([]), "cannot be empty"),
        (lambda c: c.batch.trigger_task_v1("t", [{"task": "t"}]), "unknown keys"),
        (lambda c: c.batch.trigger_task_v1("", [{"payload": 1}]), "task_id"),
        (
            lambda c: c.batch.stream_items("b", [{"task": "t"}], idempotency_key_ttl="1h30m"),
            "idempotency_key_ttl",
        ),
        (
            lambda c: c.tasks.batch_trigger(
                "t", [{}], idempotency_key="k", idempotency_key_ttl="2w"
            ),
            "idempotency_key_ttl",
        ),
        (
            lambda c: c.batch.trigger_v2(
                [{"task": "t", "options": {"idempotency_key_ttl": "90min"}}]
            ),
            "idempotency_key_ttl",
        ),
        (
            lambda c: c.batch.trigger_task_v1(
                "t", [{"options": {"idempotency_key": "k", "idempotency_key_ttl": "1.5h"}}]
            ),
            "idempotency_key_ttl",
        ),
    ],
)
async def test_other_calls_reject_bad_input_before_sending(
    call: Any, message: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        await call(client)
    assert httpx_mock.get_requests() == []


# -- keys made by idempotency_keys.create ----------------------------------------------------


async def test_created_keys_send_their_origin_on_the_batch_and_its_items(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    batch_key = client.idempotency_keys.create("order-42", scope="global")
    item_key = client.idempotency_keys.create(["mail", "7"], scope="attempt")
    items: list[batch_wire.BatchItem] = [
        {"task": "send-email", "options": {"idempotency_key": item_key}},
        {"task": "send-email"},
    ]
    await client.batch.trigger(items, idempotency_key=batch_key)
    create, stream = httpx_mock.get_requests()
    body = msgspec.json.decode(create.content)
    assert body["idempotencyKey"] == sha("order-42")
    assert body["idempotencyKeyOptions"] == {"key": "order-42", "scope": "global"}
    first, second = (line["options"] for line in lines(stream))
    assert first["idempotencyKey"] == sha("mail-7")
    assert first["idempotencyKeyOptions"] == {"key": "mail-7", "scope": "attempt"}
    # An item key derived from the batch key, as the official SDK derives it: from the hash.
    assert second["idempotencyKey"] == sha(f"{sha('order-42')}-1")
    assert "idempotencyKeyOptions" not in second


async def test_created_keys_on_one_shot_batch_items(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"batchId": "batch_1", "runs": ["run_1"]})
    key = client.idempotency_keys.create("mail-7", scope="global")
    await client.batch.trigger_task_v1("send-email", [{"options": {"idempotency_key": key}}])
    options = msgspec.json.decode(httpx_mock.get_request().content)["items"][0]["options"]
    assert options["idempotencyKeyOptions"] == {"key": "mail-7", "scope": "global"}


@pytest.mark.parametrize(
    ("ttl", "sent"), [(timedelta(minutes=90), "90m"), (timedelta(days=7), "7d"), ("30s", "30s")]
)
async def test_batch_ttls_go_out_in_the_form_the_server_reads(
    ttl: Any, sent: str, client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    await client.batch.trigger(TWO_ITEMS, idempotency_key="k", idempotency_key_ttl=ttl)
    _, stream = httpx_mock.get_requests()
    assert {line["options"]["idempotencyKeyTTL"] for line in lines(stream)} == {sent}


# -- a batch key the server already holds ----------------------------------------------------

ALREADY_CREATED = {
    "error": "Cannot create batch as it has already been created with the same idempotency key."
}


async def test_a_taken_batch_key_creates_the_batch_without_it(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    # What the real server answers a second creation with the same key (no batch id).
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=422, json=ALREADY_CREATED)
    mock_create(httpx_mock)
    httpx_mock.add_response(method="POST", url=ITEMS_URL, json=SEALED)
    result = await client.batch.trigger(TWO_ITEMS, idempotency_key="order-42")
    first, again, stream = httpx_mock.get_requests()
    assert msgspec.json.decode(first.content)["idempotencyKey"] == sha("order-42")
    assert msgspec.json.decode(again.content) == {
        "runCount": 2,
        "taskIdentifiers": ["resize", "send-email"],
    }
    # The items keep the keys derived from the caller's: each finds the run it started.
    assert [line["options"]["idempotencyKey"] for line in lines(stream)] == [
        sha("order-42-0"),
        sha("order-42-1"),
    ]
    assert (result.id, result.is_cached, result.idempotency_key) == ("batch_1", False, None)


async def test_other_creation_refusals_still_fail_the_batch(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=CREATE_URL,
        status_code=422,
        json={
            "error": "Cannot create batch with a one-time use token as it has already been used."
        },
    )
    with pytest.raises(BatchTriggerError) as caught:
        await client.batch.trigger(TWO_ITEMS, idempotency_key="order-42")
    assert caught.value.phase == "create"
    assert len(httpx_mock.get_requests()) == 1


async def test_a_taken_key_is_no_fallback_without_a_key(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=422, json=ALREADY_CREATED)
    with pytest.raises(BatchTriggerError):
        await client.batch.trigger(TWO_ITEMS)
    assert len(httpx_mock.get_requests()) == 1


async def test_a_failing_keyless_creation_fails_the_batch(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=422, json=ALREADY_CREATED)
    httpx_mock.add_response(method="POST", url=CREATE_URL, status_code=400, json={"error": "no"})
    with pytest.raises(BatchTriggerError) as caught:
        await client.batch.trigger(TWO_ITEMS, idempotency_key="k")
    assert caught.value.phase == "create"
    assert isinstance(caught.value.__cause__, trigger.BadRequestError)


# -- the keys one-shot batches give their retries --------------------------------------------


@pytest.fixture
async def retrying(httpx_mock: HTTPXMock) -> AsyncIterator[trigger.AsyncClient]:
    """A client that retries (quickly), so one-shot batch items carry the call's own keys."""
    retry = trigger.RetryOptions(max_attempts=3, min_timeout=0.001, max_timeout=0.001)
    async with trigger.AsyncClient(SECRET_KEY, base_url=BASE_URL, retry=retry) as client:
        yield client


V1_URL = f"{BASE_URL}/api/v1/tasks/batch"
V2_URL = f"{BASE_URL}/api/v2/tasks/batch"
TASK_V1_URL = f"{BASE_URL}/api/v1/tasks/send-email/batch"
MINE: list[batch_wire.BatchItem] = [
    {"task": "send-email", "payload": 1},
    {"task": "send-email", "options": {"idempotency_key": "mine", "idempotency_key_ttl": "5m"}},
]


def item_options(request: httpx.Request) -> list[dict[str, Any]]:
    return [item["options"] for item in msgspec.json.decode(request.content)["items"]]


async def test_v2_items_without_a_key_get_the_calls_own(
    retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("lost"), method="POST", url=V2_URL)
    httpx_mock.add_response(
        method="POST", url=V2_URL, status_code=202, json={"id": "b", "runCount": 2}
    )
    await retrying.batch.trigger_v2(MINE)
    first, retry = httpx_mock.get_requests()
    header = first.headers["x-trigger-request-idempotency-key"]
    derived, mine = item_options(first)
    assert (derived["idempotencyKey"], derived["idempotencyKeyTTL"]) == (
        f"request-{header}-0",
        "24h",
    )
    assert (mine["idempotencyKey"], mine["idempotencyKeyTTL"]) == (sha("mine"), "5m")
    assert retry.content == first.content
    assert "idempotency-key" not in first.headers  # the v2 route reads no batch key


async def test_v1_batches_carry_the_calls_batch_key_and_report_its_runs_as_new(
    retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST",
        url=V1_URL,
        status_code=202,
        json={
            "id": "batch_1",
            "isCached": False,
            "runs": [
                {"id": "run_1", "taskIdentifier": "send-email", "isCached": True},
                {"id": "run_2", "taskIdentifier": "send-email", "isCached": True},
            ],
        },
    )
    httpx_mock.add_response(
        method="POST",
        url=V1_URL,
        status_code=202,
        json={
            "id": "batch_1",
            "isCached": True,
            "runs": [
                {"id": "run_1", "taskIdentifier": "send-email", "isCached": True},
                {"id": "run_2", "taskIdentifier": "send-email", "isCached": True},
            ],
        },
    )
    fresh = await retrying.batch.trigger_v1(MINE)
    found = await retrying.batch.trigger_v1(MINE)
    request = httpx_mock.get_requests()[0]
    header = request.headers["x-trigger-request-idempotency-key"]
    assert request.headers["idempotency-key"] == f"request-{header}"
    assert request.headers["idempotency-key-ttl"] == "24h"
    assert item_options(request)[0]["idempotencyKey"] == f"request-{header}-0"
    # A new batch: the run found by the call's own item key was made by an earlier attempt
    # of this call; the one found by the caller's key is an older run.
    assert fresh.is_cached is False
    assert [run.is_cached for run in fresh.runs] == [False, True]
    # The batch found by the call's own key: all of it is this call's.
    assert found.is_cached is False
    assert [run.is_cached for run in found.runs] == [False, False]


async def test_a_callers_batch_key_header_is_kept(
    retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=V1_URL, status_code=202, json={"id": "b", "isCached": True, "runs": []}
    )
    result = await retrying.batch.trigger_v1(
        MINE, request_options={"extra_headers": {"Idempotency-Key": "theirs"}}
    )
    request = httpx_mock.get_request()
    assert request.headers.get_list("idempotency-key") == ["theirs"]
    assert "idempotency-key-ttl" not in request.headers
    assert result.is_cached is True


async def test_single_task_v1_batches_carry_the_calls_keys(
    retrying: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=TASK_V1_URL, json={"batchId": "b", "runs": []})
    await retrying.batch.trigger_task_v1("send-email", [{"payload": 1}, {"payload": 2}])
    request = httpx_mock.get_request()
    header = request.headers["x-trigger-request-idempotency-key"]
    assert request.headers["idempotency-key"] == f"request-{header}"
    assert "idempotency-key-ttl" not in request.headers  # this route reads none
    assert [o["idempotencyKey"] for o in item_options(request)] == [
        f"request-{header}-0",
        f"request-{header}-1",
    ]


async def test_one_shot_batches_with_one_attempt_add_no_keys(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=V2_URL, status_code=202, json={"id": "b"})
    httpx_mock.add_response(method="POST", url=V1_URL, status_code=202, json={"id": "b"})
    await client.batch.trigger_v2(TWO_ITEMS)
    await client.batch.trigger_v1(TWO_ITEMS)
    for request in httpx_mock.get_requests():
        assert "idempotency-key" not in request.headers
        assert all("idempotencyKey" not in o for o in item_options(request))


async def test_a_bad_request_option_is_a_type_error_not_a_failed_step(
    client: trigger.AsyncClient, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(TypeError, match="max_retries"):
        await client.batch.trigger(
            [{"task": "a", "payload": 1}],
            request_options={"max_retries": 3},  # type: ignore[typeddict-unknown-key]
        )
    with pytest.raises(TypeError, match="max_retries"):
        await client.tasks.batch_trigger(
            "a",
            [{"payload": 1}],
            request_options={"max_retries": 3},  # type: ignore[typeddict-unknown-key]
        )
    assert httpx_mock.get_requests() == []
