"""Lost responses: the server acted, the answer never arrived, the SDK retried.

The fake API here deduplicates as the real one does (SURFACE §1.4): a trigger with a request
idempotency key it has seen answers with the run it already created, and batch items are
deduplicated by index. Whatever goes wrong on the way back, exactly one run (or one run per
batch item) exists at the end.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator

import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import Fault, FaultServer, Received

pytestmark = pytest.mark.anyio

FAST_RETRIES = trigger.RetryOptions(max_attempts=5, min_timeout=0.01, max_timeout=0.05)


class DedupingApi:
    """Trigger and batch endpoints that remember what they did, and lose some answers."""

    def __init__(self, lose: list[str]) -> None:
        self.runs_by_key: dict[str, str] = {}
        self.batch_items: dict[str, dict[int, str]] = {}
        self.lose = lose  # how to lose the next answers: "reset" or "500", consumed in order
        self._lock = threading.Lock()

    def _answer(self, status: int, payload: object) -> Fault:
        body = json.dumps(payload).encode()
        with self._lock:
            how = self.lose.pop(0) if self.lose else None
        if how == "reset":
            return Fault(status=status, body=body, reset_after=0)
        if how == "500":
            return Fault(status=500, body=b'{"error":"Internal error"}')
        return Fault(status=status, body=body)

    def __call__(self, request: Received) -> Fault:
        path = request.raw_path
        if path.startswith("/api/v1/tasks/") and path.endswith("/trigger"):
            key = request.headers["x-trigger-request-idempotency-key"]
            with self._lock:
                run_id = self.runs_by_key.setdefault(key, f"run_{len(self.runs_by_key) + 1}")
            return self._answer(200, {"id": run_id, "isCached": False})
        if path == "/api/v3/batches":
            count = json.loads(request.body)["runCount"]
            with self._lock:
                batch_id = f"batch_{len(self.batch_items) + 1}"
                self.batch_items[batch_id] = {}
            return Fault(
                202, json.dumps({"id": batch_id, "runCount": count, "isCached": False}).encode()
            )
        if path.startswith("/api/v3/batches/") and path.endswith("/items"):
            batch_id = path.split("/")[4]
            accepted = deduplicated = 0
            with self._lock:
                items = self.batch_items[batch_id]
                for line in request.body.splitlines():
                    index = json.loads(line)["index"]
                    if index in items:
                        deduplicated += 1
                    else:
                        items[index] = f"run_{batch_id}_{index}"
                        accepted += 1
            return self._answer(
                200,
                {
                    "id": batch_id,
                    "itemsAccepted": accepted,
                    "itemsDeduplicated": deduplicated,
                    "sealed": True,
                },
            )
        return Fault(404, b'{"error":"Not found"}')


@pytest.fixture
async def api_client(fault_server: FaultServer) -> AsyncIterator[trigger.AsyncClient]:
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, retry=FAST_RETRIES
    ) as client:
        yield client


@pytest.mark.parametrize("lose", [["reset"], ["500"], ["reset", "500", "reset"]])
async def test_a_retried_trigger_creates_one_run(
    lose: list[str], api_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    api = DedupingApi(list(lose))
    fault_server.script(Fault(handler=api))
    result = await api_client.tasks.trigger("send-email", {"to": "a@example.com"})
    assert result.id == "run_1"
    assert len(fault_server.received) == len(lose) + 1
    keys = {r.headers["x-trigger-request-idempotency-key"] for r in fault_server.received}
    assert len(keys) == 1
    assert list(api.runs_by_key.values()) == ["run_1"]


async def test_separate_triggers_are_separate_runs(
    api_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    api = DedupingApi([])
    fault_server.script(Fault(handler=api))
    first = await api_client.tasks.trigger("send-email", {"n": 1})
    second = await api_client.tasks.trigger("send-email", {"n": 1})
    assert (first.id, second.id) == ("run_1", "run_2")


@pytest.mark.parametrize("lose", [["reset"], ["500", "reset"]])
async def test_a_resent_batch_stream_creates_one_run_per_item(
    lose: list[str], api_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    api = DedupingApi([])
    to_lose = list(lose)

    # Lose answers of the item stream only (batch creation answers normally).
    def losing(request: Received) -> Fault:
        if request.raw_path.endswith("/items") and to_lose:
            api.lose.append(to_lose.pop(0))
        return api(request)

    fault_server.script(Fault(handler=losing))
    items = [{"task": "send-email", "payload": {"n": n}} for n in range(250)]
    result = await api_client.batch.trigger(
        items, request_options={"min_timeout": 0.01, "max_timeout": 0.05}
    )
    streams = [r for r in fault_server.received if r.raw_path.endswith("/items")]
    assert len(streams) == len(lose) + 1
    assert all(s.body == streams[0].body for s in streams), "the whole stream is re-sent"
    assert result.id == "batch_1"
    assert sorted(api.batch_items["batch_1"]) == list(range(250))
    assert len(api.batch_items) == 1
