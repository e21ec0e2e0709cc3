"""Lost responses: the server acted, the answer never arrived, the SDK retried.

The fake API here deduplicates exactly as the real server does (SERVER.md §1.10, §3, and
measured on it): not at all by ``x-trigger-request-idempotency-key``; runs by their task
idempotency key (per task); a second ``POST /api/v3/batches`` with a body key it holds
answers 422 rather than the batch; v3 batch items by index; the v1 batch routes by an
``idempotency-key`` header. Whatever goes wrong on the way back (a reset after the server
answered, an answer slower than the client's timeout, a 500), exactly one run per trigger
or batch item exists at the end.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import trigger
from tests.conftest import SECRET_KEY
from tests.faultserver import Fault, FaultServer, Received

pytestmark = pytest.mark.anyio

FAST_RETRIES = trigger.RetryOptions(max_attempts=5, min_timeout=0.01, max_timeout=0.05)
STALL = 1.0  # seconds an answer is held back: well past the client timeout below
CLIENT_TIMEOUT = 0.25
ALREADY_CREATED = (
    b'{"error":"Cannot create batch as it has already been created with the same idempotency key."}'
)


class RealisticApi:
    """Trigger and batch endpoints that deduplicate as the real server does, and lose answers.

    Attributes:
        runs: Every run created, as ``(run id, task)``.
        lose: How to lose the next answers of the paths in ``lose_on``, consumed in order:
            ``"reset"`` (connection reset after answering), ``"stall"`` (answer later than
            the client waits) or ``"500"``.
    """

    def __init__(self, lose: list[str] | None = None, lose_on: str = "") -> None:
        self.runs: list[tuple[str, str]] = []
        self.lose = list(lose or [])
        self.lose_on = lose_on
        self._run_by_key: dict[tuple[str, str], str] = {}
        self._batches: dict[str, dict[str, Any]] = {}
        self._batch_keys: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- what the server does --------------------------------------------------------------

    def _trigger(self, task: str, options: dict[str, Any]) -> tuple[str, bool]:
        key = options.get("idempotencyKey")
        if key is not None and (task, key) in self._run_by_key:
            return self._run_by_key[(task, key)], True
        run_id = f"run_{next(self._ids)}"
        self.runs.append((run_id, task))
        if key is not None:
            self._run_by_key[(task, key)] = run_id
        return run_id, False

    def _new_batch(self, run_count: int, key: str | None) -> str:
        batch_id = f"batch_{next(self._ids)}"
        self._batches[batch_id] = {"runCount": run_count, "items": {}, "runs": []}
        if key is not None:
            self._batch_keys[key] = batch_id
        return batch_id

    def _serve(self, request: Received) -> tuple[int, object]:
        path = request.raw_path
        ndjson = path.endswith("/items")
        body: Any = None if ndjson or not request.body else json.loads(request.body)
        header_key = request.headers.get("idempotency-key")
        with self._lock:
            if path.startswith("/api/v1/tasks/") and path.endswith("/trigger"):
                run_id, cached = self._trigger(path.split("/")[4], body.get("options") or {})
                return 200, {"id": run_id, "isCached": cached}
            if path == "/api/v3/batches":
                key = body.get("idempotencyKey")
                if key is not None and key in self._batch_keys:
                    return 422, None  # the DB's unique index, surfaced by the route
                batch_id = self._new_batch(body["runCount"], key)
                return 202, {"id": batch_id, "runCount": body["runCount"], "isCached": False}
            if path.startswith("/api/v3/batches/") and path.endswith("/items"):
                batch = self._batches[path.split("/")[4]]
                if len(batch["items"]) == batch["runCount"]:
                    accepted = deduplicated = 0  # already sealed
                else:
                    accepted = deduplicated = 0
                    for line in request.body.splitlines():
                        item = json.loads(line)
                        if item["index"] in batch["items"]:
                            deduplicated += 1
                            continue
                        batch["items"][item["index"]] = self._trigger(
                            item["task"], item.get("options") or {}
                        )[0]
                        accepted += 1
                return 200, {
                    "id": path.split("/")[4],
                    "itemsAccepted": accepted,
                    "itemsDeduplicated": deduplicated,
                    "sealed": len(batch["items"]) == batch["runCount"],
                }
            if path in ("/api/v1/tasks/batch", "/api/v2/tasks/batch") or path.endswith("/batch"):
                return self._one_shot(path, body["items"], header_key)
        return 404, {"error": "Not found"}

    def _one_shot(self, path: str, items: list[Any], header_key: str | None) -> tuple[int, object]:
        single_task = path not in ("/api/v1/tasks/batch", "/api/v2/tasks/batch")
        v1 = path != "/api/v2/tasks/batch"
        found = v1 and header_key is not None and header_key in self._batch_keys
        if found:
            batch_id = self._batch_keys[header_key]  # type: ignore[index]
            cached = [(run_id, True) for run_id in self._batches[batch_id]["runs"]]
        else:
            batch_id = self._new_batch(len(items), header_key if v1 else None)
            task = path.split("/")[4] if single_task else None
            cached = [
                self._trigger(task or item["task"], item.get("options") or {}) for item in items
            ]
            self._batches[batch_id]["runs"] = [run_id for run_id, _ in cached]
        if single_task:
            return 200, {"batchId": batch_id, "runs": [run_id for run_id, _ in cached]}
        if v1:
            runs = [
                {"id": run_id, "taskIdentifier": "t", "isCached": hit} for run_id, hit in cached
            ]
            return 202, {"id": batch_id, "isCached": found, "runs": runs}
        return 202, {"id": batch_id, "runCount": len(items)}

    # -- how answers get lost --------------------------------------------------------------

    def __call__(self, request: Received) -> Fault:
        status, payload = self._serve(request)
        body = ALREADY_CREATED if payload is None else json.dumps(payload).encode()
        with self._lock:
            losing = self.lose and self.lose_on in request.raw_path
            how = self.lose.pop(0) if losing else None
        if how == "reset":
            return Fault(status=status, body=body, reset_after=0)
        if how == "stall":
            return Fault(status=status, body=body, stall=STALL)
        if how == "500":
            return Fault(status=500, body=b'{"error":"Internal error"}')
        return Fault(status=status, body=body)


@pytest.fixture
async def api_client(fault_server: FaultServer) -> AsyncIterator[trigger.AsyncClient]:
    async with trigger.AsyncClient(
        SECRET_KEY, base_url=fault_server.base_url, retry=FAST_RETRIES, timeout=CLIENT_TIMEOUT
    ) as client:
        yield client


def serve(fault_server: FaultServer, api: RealisticApi) -> RealisticApi:
    fault_server.script(Fault(handler=api))
    return api


async def test_the_fake_does_not_deduplicate_by_the_request_key(
    fault_server: FaultServer,
) -> None:
    # As measured on the real server: the header alone protects nothing.
    api = serve(fault_server, RealisticApi())
    headers = {"x-trigger-request-idempotency-key": "same"}
    async with httpx.AsyncClient(base_url=fault_server.base_url) as http:
        for _ in range(2):
            await http.post("/api/v1/tasks/t/trigger", json={"options": {}}, headers=headers)
        batch = {"runCount": 1, "idempotencyKey": "k"}
        assert (await http.post("/api/v3/batches", json=batch)).status_code == 202
        assert (await http.post("/api/v3/batches", json=batch)).status_code == 422
    assert len(api.runs) == 2


@pytest.mark.parametrize("lose", [["reset"], ["stall"], ["500"], ["reset", "stall", "reset"]])
async def test_a_retried_trigger_creates_one_run(
    lose: list[str], api_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    api = serve(fault_server, RealisticApi(lose))
    result = await api_client.tasks.trigger("send-email", {"to": "a@example.com"})
    assert len(fault_server.received) == len(lose) + 1
    assert api.runs == [(result.id, "send-email")]
    assert result.is_cached is False  # the run is this call's, whichever attempt made it


@pytest.mark.parametrize("lose", [["reset"], ["stall"]])
async def test_a_retried_trigger_with_a_key_creates_one_run(
    lose: list[str], api_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    api = serve(fault_server, RealisticApi(lose))
    result = await api_client.tasks.trigger("send-email", idempotency_key="order-42")
    assert api.runs == [(result.id, "send-email")]


async def test_separate_triggers_are_separate_runs(
    api_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    api = serve(fault_server, RealisticApi())
    first = await api_client.tasks.trigger("send-email", {"n": 1})
    second = await api_client.tasks.trigger("send-email", {"n": 1})
    assert first.id != second.id and len(api.runs) == 2


ITEMS = [{"task": "send-email", "payload": {"n": n}} for n in range(250)]


@pytest.mark.parametrize("key", [None, "order-42"])
@pytest.mark.parametrize(
    ("lose_on", "lose"),
    [
        ("/api/v3/batches", ["reset"]),  # the creation's answer (then the stream's: none)
        ("/api/v3/batches", ["stall"]),
        ("/items", ["reset"]),
        ("/items", ["500", "stall"]),
    ],
)
async def test_a_retried_batch_creates_one_run_per_item(
    key: str | None,
    lose_on: str,
    lose: list[str],
    api_client: trigger.AsyncClient,
    fault_server: FaultServer,
) -> None:
    api = serve(fault_server, RealisticApi(lose, lose_on=lose_on))
    options = {"min_timeout": 0.01, "max_timeout": 0.05}
    result = await api_client.batch.trigger(
        ITEMS,
        idempotency_key=key,
        request_options=options,  # type: ignore[arg-type]
    )
    assert len(api.runs) == len(ITEMS)
    streams = [r for r in fault_server.received if r.raw_path.endswith("/items")]
    assert {s.raw_path for s in streams} == {f"/api/v3/batches/{result.id}/items"}
    assert all(s.body == streams[0].body for s in streams), "the whole stream is re-sent"


async def test_a_batch_key_used_again_starts_no_new_runs(
    api_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    api = serve(fault_server, RealisticApi())
    first = await api_client.batch.trigger(ITEMS[:3], idempotency_key="order-42")
    again = await api_client.batch.trigger(ITEMS[:3], idempotency_key="order-42")
    assert len(api.runs) == 3
    assert again.id != first.id  # the server cannot give the first batch back


@pytest.mark.parametrize("lose", [["reset"], ["stall"], ["500", "reset"]])
@pytest.mark.parametrize("call", ["trigger_v1", "trigger_v2", "trigger_task_v1"])
async def test_a_retried_one_shot_batch_creates_one_run_per_item(
    call: str, lose: list[str], api_client: trigger.AsyncClient, fault_server: FaultServer
) -> None:
    api = serve(fault_server, RealisticApi(lose))
    items: list[Any] = [{"task": "send-email", "payload": n} for n in range(3)]
    items.append({"task": "send-email", "options": {"idempotency_key": "mine"}})
    if call == "trigger_task_v1":
        result: Any = await api_client.batch.trigger_task_v1(
            "send-email", [{k: v for k, v in item.items() if k != "task"} for item in items]
        )
    else:
        result = await getattr(api_client.batch, call)(items)
    assert len(api.runs) == 4
    if call == "trigger_v1":
        # The v1 routes hand the first batch back for the call's batch key.
        assert result.id == "batch_1" and result.is_cached is False
        assert not any(run.is_cached for run in result.runs)
    if call == "trigger_task_v1":
        assert result.batch_id == "batch_1"
